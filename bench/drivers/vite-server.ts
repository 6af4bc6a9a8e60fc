// The repository's own vite dev server (vite.config.ts: COOP/COEP, so WASM gets threads), bound
// to 127.0.0.1 (a secure context, so WebGPU is offered) on a free port, serving the bench pages.
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.ts';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

export interface BenchServer {
  origin: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The bench page (relative to root) whose imports vite pre-bundles before it loads. */
  page?: string;
  /**
   * Its dependency cache, under node_modules/. One per page: vite re-scans no entries for a cache
   * it already has, so a page sharing another's would find its own dependencies mid-run.
   */
  cacheName?: string;
}

export async function startServer(
  root: string,
  { page = 'bench/pages/label.html', cacheName = '.vite-bench' }: ServerOptions = {},
): Promise<BenchServer> {
  const server: ViteDevServer = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    clearScreen: false,
    logLevel: 'info',
    // Its own dependency cache: the app's dev server and vitest keep theirs untouched.
    cacheDir: resolve(root, 'node_modules', cacheName),
    // Pre-bundle everything the page imports before it loads: a dependency discovered mid-run
    // would make vite re-optimize and invalidate the modules the page already holds.
    optimizeDeps: { entries: [page] },
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

/**
 * Every plan, one page after another, against one vite server and one headless Chromium. A page
 * that fails as a whole still yields a result (from `failed`), so the report can say why.
 */
export async function runInChromium<Plan, Result>(
  root: string,
  options: ServerOptions,
  plans: Plan[],
  runPage: (browser: Browser, origin: string, plan: Plan) => Promise<Result>,
  failed: (plan: Plan, error: unknown) => Result,
): Promise<{ results: Result[]; chromium: string }> {
  const server = await startServer(root, options);
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const results: Result[] = [];
  try {
    for (const plan of plans) {
      results.push(
        await runPage(browser, server.origin, plan).catch((e: unknown) => failed(plan, e)),
      );
    }
    return { results, chromium: browser.version() };
  } finally {
    await browser.close().catch(() => undefined);
    await server.close();
  }
}
