// The repository's own vite dev server (vite.config.ts: COOP/COEP, so WASM gets threads), bound
// to 127.0.0.1 (a secure context, so WebGPU is offered) on a free port, serving the bench page.
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

export interface BenchServer {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(root: string): Promise<BenchServer> {
  const server: ViteDevServer = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    clearScreen: false,
    logLevel: 'info',
    // Its own dependency cache: the app's dev server and vitest keep theirs untouched.
    cacheDir: resolve(root, 'node_modules/.vite-bench'),
    // Pre-bundle everything the page imports before it loads: a dependency discovered mid-run
    // would make vite re-optimize and invalidate the modules the page already holds.
    optimizeDeps: { entries: ['bench/label.html'] },
    server: {
      host: '127.0.0.1',
      port: 0,
      // Others edit the repository while the bench runs: no reloads in the middle of a run.
      hmr: false,
      watch: null,
    },
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null;
  if (!address) throw new Error('vite did not start an HTTP server');
  return { origin: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
