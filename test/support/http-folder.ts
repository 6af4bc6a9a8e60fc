// A real HTTP server on 127.0.0.1 for tests that fetch: serves files from memory (path -> bytes),
// answers HEAD with the headers only, records every request, and can imitate a dev server's SPA
// fallback (index.html with 200 for any missing path).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpFolder {
  url: string;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

const typeOf = (path: string) =>
  path.endsWith('.json') ? 'application/json' : 'application/octet-stream';

export async function serveFolder(
  files: Record<string, Uint8Array | string>,
  options: { spaFallback?: boolean } = {},
): Promise<HttpFolder> {
  const requests: HttpFolder['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname) + url.search;
    requests.push({ method: req.method ?? 'GET', path });
    const found = files[path];
    const body =
      found === undefined && options.spaFallback ? '<!doctype html><title>app</title>' : found;
    if (body === undefined) return void res.writeHead(404).end('not found');
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    res.writeHead(200, {
      'Content-Type': found === undefined ? 'text/html' : typeOf(path),
      'Content-Length': String(bytes.length),
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
