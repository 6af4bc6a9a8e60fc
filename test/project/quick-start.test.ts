// The README's first command, `npm run dev`, run as a newcomer runs it: a real process, a real port.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOST = '127.0.0.1';
// A ceiling for a loaded 2-core machine: a fresh clone starts in about 8 s, a warm one in 1 s.
const STARTUP_MS = 30_000;

/** A port the OS says is free now (vite's --strictPort fails loudly if someone takes it first). */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, HOST);
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Poll until the server answers, or fail with what it printed (the newcomer's view of it). */
async function waitForServer(url: string, output: () => string, exited: () => boolean) {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`npm run dev exited before serving:\n${output()}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`npm run dev did not serve ${url} within ${STARTUP_MS} ms:\n${output()}`);
}

/** npm starts a shell that starts vite: stop the whole process group, then wait for it. */
async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exit = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5_000);
  await exit;
  clearTimeout(killer);
}

describe('npm run dev (README Quick start)', () => {
  let child: ChildProcess;
  let origin = '';
  let log = '';

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://${HOST}:${port}`;
    child = spawn(
      'npm',
      ['run', 'dev', '--', '--host', HOST, '--port', String(port), '--strictPort'],
      {
        detached: true, // its own process group, so stop() reaches vite behind npm and sh
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, BROWSER: 'none', NO_COLOR: '1' },
      },
    );
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitForServer(
      `${origin}/`,
      () => log,
      () => child.exitCode !== null,
    );
  }, STARTUP_MS + 5_000);

  afterAll(async () => {
    if (child) await stop(child);
  });

  it('serves the app page, cross-origin isolated', async () => {
    const response = await fetch(`${origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    // COOP + COEP make the page crossOriginIsolated, so onnxruntime-web's WASM EP gets threads.
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await response.text();
    expect(html).toContain('<title>RLAIF Lab</title>');
    expect(html).toContain('<div id="app"></div>');
    expect(html).toContain('src="/src/main.ts"');
  });

  it('transforms the entry module to JavaScript', async () => {
    const response = await fetch(`${origin}/src/main.ts`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const code = await response.text();
    expect(code).toContain('mount(App, { target })');
    // Type annotations are gone and imports point where the browser can fetch them.
    expect(code).not.toMatch(/import App from ['"]\.\/ui\/App\.svelte['"]/);
    expect(code).toMatch(/from ["']\/src\/ui\/App\.svelte["']/);
  });

  it('serves the entry module’s dependencies pre-bundled', async () => {
    const code = await (await fetch(`${origin}/src/main.ts`)).text();
    const svelte = /from ["'](\/node_modules\/\.vite\/deps\/svelte\.js\?v=\w+)["']/.exec(code)?.[1];
    expect(svelte, 'main.ts imports svelte from the optimized deps').toBeDefined();
    // This answers once vite has bundled every dependency it found, so stopping the server after
    // it leaves a complete cache (node_modules/.vite/deps) rather than a half-written temp folder.
    const response = await fetch(`${origin}${svelte}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(await response.text()).toMatch(/\bmount\b/);
  });

  it('compiles the root Svelte component', async () => {
    const response = await fetch(`${origin}/src/ui/App.svelte`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    // Without its inline source map, which quotes the .svelte source.
    const code = (await response.text()).split('//# sourceMappingURL=')[0] ?? '';
    expect(code.includes('<script lang="ts">'), 'Svelte markup left in the output').toBe(false);
    expect(code).toMatch(/^export default App;$/m);
    expect(code).toMatch(/from ["']\/node_modules\/\.vite\/deps\/svelte[^"']*["']/);
  });
});
