// fetch for server-engine tests in Node: file: URLs (the model's tokenizer folder) from disk,
// everything else (the server) over the network.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const TINY_TOKENIZER = pathToFileURL(resolve('models/tiny-llama')).href;

export const nodeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith('file:')) return fetch(input, init);
  const path = fileURLToPath(url);
  if (!existsSync(path)) return new Response('not found', { status: 404 });
  return new Response(readFileSync(path));
}) as typeof fetch;
