import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import {
  fetchModelFile,
  folderUrl,
  loadModelFolder,
  ModelLoadError,
  type FileProgress,
} from '../../../../src/lib/engines/onnx/model-files';
import { loadOnnxLabeler } from '../../../../src/lib/engines/onnx/load';
import { fileFetch } from '../../../support/file-fetch';

const BASE = 'http://models.test/';
const local = fileFetch(BASE, 'models');
ort.env.wasm.numThreads = 1;

/** A Cache API stand-in backed by a Map; `put` can be made to fail like a full quota. */
function memoryCache(failPut?: Error): Cache & { store: Map<string, Uint8Array<ArrayBuffer>> } {
  const store = new Map<string, Uint8Array<ArrayBuffer>>();
  return {
    store,
    async match(url: RequestInfo | URL) {
      const bytes = store.get(String(url));
      return bytes ? new Response(bytes.slice()) : undefined;
    },
    async put(url: RequestInfo | URL, response: Response) {
      if (failPut) throw failPut;
      store.set(String(url), new Uint8Array(await response.arrayBuffer()));
    },
  } as unknown as Cache & { store: Map<string, Uint8Array<ArrayBuffer>> };
}

describe('folderUrl', () => {
  it('turns Hub ids into resolve/main URLs and keeps URLs and paths', () => {
    expect(folderUrl('onnx-community/SmolLM2-135M-Instruct')).toBe(
      'https://huggingface.co/onnx-community/SmolLM2-135M-Instruct/resolve/main/',
    );
    expect(folderUrl('./models/tiny-llama')).toBe('./models/tiny-llama/');
    expect(folderUrl('https://example.org/m/')).toBe('https://example.org/m/');
  });
});

describe('fetchModelFile', () => {
  it('reports progress in bytes with the total, then serves the cached copy', async () => {
    const cache = memoryCache();
    const seen: FileProgress[] = [];
    const url = `${BASE}tiny-llama/onnx/model.onnx`;
    const bytes = await fetchModelFile(url, 'model.onnx', {
      fetch: local,
      cache,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.at(-1)).toMatchObject({
      loaded: bytes.length,
      total: bytes.length,
      fromCache: false,
    });
    expect(Buffer.from(cache.store.get(url)!).equals(bytes)).toBe(true);
    const offline = (() => Promise.reject(new TypeError('offline'))) as typeof fetch;
    const again = await fetchModelFile(url, 'model.onnx', {
      fetch: offline,
      cache,
      onProgress: (p) => seen.push(p),
    });
    expect(Buffer.from(again).equals(bytes)).toBe(true);
    expect(seen.at(-1)!.fromCache).toBe(true);
  });

  it('explains a missing file, an HTTP error and an unreachable host', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as ModelLoadError,
      );
    const missing = await err(
      fetchModelFile(`${BASE}nope/config.json`, 'config.json', { fetch: local, cache: null }),
    );
    expect(missing).toBeInstanceOf(ModelLoadError);
    expect(missing).toMatchObject({ kind: 'not-found', url: `${BASE}nope/config.json` });
    expect(missing!.message).toMatch(/not found .*404/);
    const teapot = (async () => new Response('', { status: 418 })) as typeof fetch;
    expect(
      await err(fetchModelFile('http://x/f', 'f', { fetch: teapot, cache: null })),
    ).toMatchObject({ kind: 'http' });
    const down = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    const network = await err(fetchModelFile('http://x/f', 'f', { fetch: down, cache: null }));
    expect(network).toMatchObject({ kind: 'network' });
    expect(network!.message).toMatch(/CORS/);
  });

  it('treats an HTML page served in place of a JSON file as a missing folder', async () => {
    const spa = (async () => new Response('<!doctype html><title>app</title>')) as typeof fetch;
    await expect(
      loadModelFolder('http://x/m', 'fp32', { fetch: spa, cache: null }),
    ).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(/config\.json at http:\/\/x\/m\/config\.json is an HTML page/),
    });
  });

  it('still loads when the cache is full, and says the copy was not kept', async () => {
    const full = memoryCache(new DOMException('quota', 'QuotaExceededError'));
    const warnings: string[] = [];
    const bytes = await fetchModelFile(`${BASE}tiny-llama/config.json`, 'config.json', {
      fetch: local,
      cache: full,
      onWarning: (w) => warnings.push(w),
    });
    expect(bytes.length).toBeGreaterThan(100);
    expect(warnings).toEqual([
      expect.stringMatching(/not kept for offline use: the browser storage quota is full/),
    ]);
  });

  it('can be cancelled mid-download', async () => {
    const controller = new AbortController();
    const run = fetchModelFile(`${BASE}tiny-llama/onnx/model.onnx`, 'model.onnx', {
      fetch: local,
      cache: null,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toThrow(/cancelled/);
  });
});

describe('loadModelFolder and loadOnnxLabeler', () => {
  it('loads every file of the embedded model', async () => {
    const files = await loadModelFolder(`${BASE}tiny-llama`, 'fp32', { fetch: local, cache: null });
    expect(files.config.model_type).toBe('llama');
    expect(files.tokenizerConfig.chat_template).toBeTypeOf('string');
    expect(files.onnx.length).toBeGreaterThan(100_000);
    expect(files.externalData).toEqual([]);
  });

  it('refuses fp16 weights on an adapter without shader-f16 before downloading anything', async () => {
    let fetched = 0;
    const counting = ((...args: Parameters<typeof fetch>) => (
      fetched++,
      local(...args)
    )) as typeof fetch;
    const run = loadOnnxLabeler(`${BASE}tiny-llama`, {
      ort,
      ep: 'webgpu',
      variant: 'fp16',
      shaderF16: false,
      fetch: counting,
      cache: null,
    });
    await expect(run).rejects.toMatchObject({
      kind: 'needs-f16',
      message: expect.stringMatching(/fp32 or q8/),
    });
    expect(fetched).toBe(0);
  });

  it('reports a missing weight variant and a corrupt graph clearly', async () => {
    await expect(
      loadOnnxLabeler(`${BASE}tiny-llama`, {
        ort,
        ep: 'wasm',
        variant: 'q8',
        shaderF16: false,
        fetch: local,
        cache: null,
      }),
    ).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(/onnx\/model_quantized\.onnx was not found/),
    });
    const corrupt = (async (input: RequestInfo | URL) =>
      String(input).endsWith('.onnx')
        ? new Response(new Uint8Array([8, 1, 2, 3, 255]))
        : local(input)) as typeof fetch;
    await expect(
      loadOnnxLabeler(`${BASE}tiny-llama`, {
        ort,
        ep: 'wasm',
        variant: 'fp32',
        shaderF16: false,
        fetch: corrupt,
        cache: null,
      }),
    ).rejects.toMatchObject({ kind: 'corrupt', message: expect.stringMatching(/could not open/) });
  });

  it('rejects a graph that is not a causal LM with past key values', async () => {
    // The encoder-style graph of a model without past_key_values inputs: use a trivial graph.
    const { onnx } = (await import('onnx-proto')).default;
    const graph = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'identity',
        node: [{ opType: 'Identity', input: ['input_ids'], output: ['logits'] }],
        input: [
          {
            name: 'input_ids',
            type: { tensorType: { elemType: 7, shape: { dim: [{ dimParam: 'b' }] } } },
          },
        ],
        output: [
          {
            name: 'logits',
            type: { tensorType: { elemType: 7, shape: { dim: [{ dimParam: 'b' }] } } },
          },
        ],
      },
    }).finish();
    const fake = (async (input: RequestInfo | URL) =>
      String(input).endsWith('.onnx') ? new Response(graph.slice()) : local(input)) as typeof fetch;
    await expect(
      loadOnnxLabeler(`${BASE}tiny-llama`, {
        ort,
        ep: 'wasm',
        variant: 'fp32',
        shaderF16: false,
        fetch: fake,
        cache: null,
      }),
    ).rejects.toMatchObject({
      kind: 'unsupported',
      message: expect.stringMatching(/past_key_values/),
    });
  });
});
