// Where the tests find Chromium and the flags it needs here: WebGPU through SwiftShader, root
// without a sandbox, and no background traffic on a closed network. Shared by every test level.
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export class ChromiumMissingError extends Error {
  constructor(tried: string[]) {
    super(
      `Chromium not found (tried ${tried.join(', ')}). Install it with ` +
        '`sudo apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium binary.',
    );
    this.name = 'ChromiumMissingError';
  }
}

/** The Chromium binary to drive: $CHROMIUM_PATH, else the first Debian/Ubuntu location present. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const tried = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  const found = tried.find((path) => existsSync(path));
  if (!found) throw new ChromiumMissingError(tried);
  return found;
}
