import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hubIdOf, listVariants } from '../../../../src/lib/engines/onnx/variant-probe';
import { HubListingError } from '../../../../src/lib/engines/onnx/variants';
import { LISTINGS } from '../../../fixtures/hub-listings';
import { serveFolder, type HttpFolder } from '../../../support/http-folder';

const servers: HttpFolder[] = [];
afterEach(async () => Promise.all(servers.splice(0).map((s) => s.close())));
const serve = async (...args: Parameters<typeof serveFolder>) => {
  const server = await serveFolder(...args);
  servers.push(server);
  return server;
};

/** A Cache API stand-in (Node has none): keys, match with the stored headers. */
function memoryCache(entries: Record<string, number>): Cache {
  return {
    keys: async () => Object.keys(entries).map((url) => new Request(url)),
    match: async (request: RequestInfo | URL) => {
      const url = request instanceof Request ? request.url : String(request);
      const size = entries[url];
      return size === undefined
        ? undefined
        : new Response(null, { headers: { 'Content-Length': String(size) } });
    },
  } as unknown as Cache;
}

const offline = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;

describe('hubIdOf', () => {
  it('knows Hub ids and resolve URLs, and nothing else', () => {
    expect(hubIdOf('onnx-community/Qwen3-0.6B-ONNX')).toBe('onnx-community/Qwen3-0.6B-ONNX');
    expect(hubIdOf('https://huggingface.co/a/b/resolve/main/')).toBe('a/b');
    expect(hubIdOf('./models/tiny-llama/')).toBeNull();
    expect(hubIdOf('http://127.0.0.1:8080/m/')).toBeNull();
  });
});

describe('listVariants', () => {
  it('asks the Hub API for a Hub id and lists what it publishes, with sizes', async () => {
    const id = 'HuggingFaceTB/SmolLM2-135M-Instruct';
    const hub = await serve({
      [`/api/models/${id}?blobs=true`]: JSON.stringify(LISTINGS.smollm2_135m),
    });
    const listing = await listVariants(id, { hubBase: hub.url, cache: null });
    expect(listing.source).toBe('hub-api');
    expect(listing.variants.map((v) => [v.variant, v.bytes])).toEqual([
      ['fp32', 654e6],
      ['fp16', 327e6],
      ['int8', 165e6],
      ['uint8', 165e6],
      ['q4', 200e6],
      ['q4f16', 134e6],
    ]);
    expect(hub.requests).toHaveLength(1);
  });

  it('says a missing repo is missing, and does not fall back to the cache for it', async () => {
    const hub = await serve({});
    const cache = memoryCache({ 'https://huggingface.co/a/b/resolve/main/onnx/model.onnx': 1 });
    await expect(listVariants('a/b', { hubBase: hub.url, cache })).rejects.toThrow(
      /no public model a\/b \(HTTP 404\)/,
    );
  });

  it('probes a self-served folder with HEAD, ignoring a SPA fallback page', async () => {
    const graph = readFileSync('models/tiny-llama/onnx/model.onnx');
    const site = await serve(
      { '/models/tiny-llama/onnx/model.onnx': graph },
      { spaFallback: true },
    );
    const listing = await listVariants(`${site.url}/models/tiny-llama/`, { cache: null });
    expect(listing.source).toBe('folder');
    expect(listing.variants.map((v) => [v.variant, v.bytes])).toEqual([['fp32', graph.length]]);
    expect(site.requests.every((r) => r.method === 'HEAD')).toBe(true);
    // 8 graph names, then the one found graph's first data chunk (absent).
    expect(site.requests).toHaveLength(9);
  });

  it('probes only the known variants of a folder whose layout is known, and no chunks', async () => {
    const graph = readFileSync('models/tiny-encoder/onnx/model.onnx');
    const site = await serve({ '/enc/onnx/model.onnx': graph });
    const listing = await listVariants(`${site.url}/enc/`, { cache: null, known: ['fp32'] });
    expect(listing.variants.map((v) => [v.variant, v.bytes])).toEqual([['fp32', graph.length]]);
    // One HEAD, for a file that exists: the browser logs no 404 for it.
    expect(site.requests).toEqual([{ method: 'HEAD', path: '/enc/onnx/model.onnx' }]);
  });

  it('finds a folder variant’s numbered data chunks and adds their sizes', async () => {
    const site = await serve({
      '/m/onnx/model_q4.onnx': new Uint8Array(10),
      '/m/onnx/model_q4.onnx_data': new Uint8Array(200),
      '/m/onnx/model_q4.onnx_data_1': new Uint8Array(3000),
    });
    const { variants } = await listVariants(`${site.url}/m`, { cache: null });
    expect(variants).toHaveLength(1);
    expect(variants[0]).toMatchObject({ variant: 'q4', bytes: 3210 });
    expect(variants[0]!.files.map((f) => f.path)).toEqual([
      'onnx/model_q4.onnx',
      'onnx/model_q4.onnx_data',
      'onnx/model_q4.onnx_data_1',
    ]);
  });

  it('offline, lists what the cache holds and marks complete variants as cached', async () => {
    const folder = 'https://huggingface.co/onnx-community/gemma-3-270m-it-ONNX/resolve/main/';
    const cache = memoryCache({
      [`${folder}config.json`]: 800,
      [`${folder}onnx/model_q4f16.onnx`]: 180_000,
      [`${folder}onnx/model_q4f16.onnx_data`]: 390_000_000,
      [`${folder}onnx/model.onnx`]: 201_000,
      'https://huggingface.co/other/repo/resolve/main/onnx/model_q4.onnx': 5,
    });
    const listing = await listVariants('onnx-community/gemma-3-270m-it-ONNX', {
      fetch: offline,
      cache,
    });
    expect(listing.source).toBe('cache');
    expect(listing.variants.map((v) => [v.variant, v.bytes])).toEqual([
      ['fp32', 201_000],
      ['q4f16', 390_180_000],
    ]);
    expect(listing.cached).toEqual(['fp32', 'q4f16']);
  });

  it('online, marks as cached only the variants whose every file the cache holds', async () => {
    const id = 'onnx-community/gemma-3-270m-it-ONNX';
    const folder = `https://huggingface.co/${id}/resolve/main/`;
    const hub = await serve({
      [`/api/models/${id}?blobs=true`]: JSON.stringify(LISTINGS.gemma3_270m),
    });
    const cache = memoryCache({
      [`${folder}onnx/model_q4f16.onnx`]: 180_000,
      [`${folder}onnx/model_q4f16.onnx_data`]: 390_000_000,
      [`${folder}onnx/model.onnx`]: 201_000, // its data never arrived
    });
    const listing = await listVariants(id, { hubBase: hub.url, cache });
    expect(listing.variants.map((v) => v.variant)).toEqual(['fp32', 'fp16', 'q4f16']);
    expect(listing.cached).toEqual(['q4f16']);
  });

  it('offline with nothing cached, says what to do', async () => {
    const error = await listVariants('a/b', { fetch: offline, cache: memoryCache({}) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubListingError);
    expect((error as Error).message).toMatch(/none of its variants is cached.*models:fetch/);
  });
});
