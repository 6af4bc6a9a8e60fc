// fetch() over the local file system for Node tests: URLs under `base` map to files under `root`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function fileFetch(base: string, root: string): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(base)) throw new TypeError(`fetch failed: ${url}`);
    const path = join(root, decodeURIComponent(url.slice(base.length)));
    if (!existsSync(path)) return new Response('not found', { status: 404 });
    const bytes = readFileSync(path);
    return new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } });
  }) as typeof fetch;
}
