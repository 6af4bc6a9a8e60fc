// models:fetch for Hub ONNX folders, against a real HTTP server on 127.0.0.1 that plays the Hub:
// the API listing and resolve/main/ files of a generated repo (the embedded model's real files
// plus a q4 variant with chunked external data).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOnnxLabeler } from '../../../src/lib/engines/onnx/load';
import { listVariants } from '../../../src/lib/engines/onnx/variant-probe';
import { FetchOnnxError, fetchOnnxModel } from '../../../scripts/models/fetch-onnx';
import { fileFetch } from '../../support/file-fetch';
import { serveFolder, type HttpFolder } from '../../support/http-folder';
import { listFiles } from '../../support/model-folder';

ort.env.wasm.numThreads = 1;
const ID = 'rlaif/tiny-lm';
const SOURCE = 'models/tiny-llama';

/** Bytes that are not all zero, so a mix-up between files shows. */
const pattern = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

/** The repo's files: the embedded model's own, plus onnx/model_q4.onnx with two data chunks. */
function repoFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const file of listFiles(SOURCE)) files[file] = readFileSync(join(SOURCE, file));
  files['onnx/model_q4.onnx'] = pattern(300, 1);
  files['onnx/model_q4.onnx_data'] = pattern(5000, 2);
  files['onnx/model_q4.onnx_data_1'] = pattern(700, 3);
  files['README.md'] = new TextEncoder().encode('# tiny');
  return files;
}

/** The Hub: /api/models/<id>?blobs=true and /<id>/resolve/main/<file>. */
async function hub(files = repoFiles()) {
  const siblings = Object.entries(files).map(([rfilename, bytes]) => ({
    rfilename,
    size: bytes.length,
  }));
  const routes: Record<string, Uint8Array | string> = {
    [`/api/models/${ID}?blobs=true`]: JSON.stringify({ id: ID, siblings }),
  };
  for (const [file, bytes] of Object.entries(files)) routes[`/${ID}/resolve/main/${file}`] = bytes;
  return { server: await serveFolder(routes), files };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0)) await undo();
});
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fetch-onnx-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
async function started(): Promise<{ server: HttpFolder; files: Record<string, Uint8Array> }> {
  const h = await hub();
  cleanup.push(() => h.server.close());
  return h;
}
const quiet = () => undefined;

describe('fetchOnnxModel', () => {
  it('copies the configs, tokenizer and only the chosen variant’s graph and data chunks', async () => {
    const { server, files } = await started();
    const root = tmp();
    const result = await fetchOnnxModel(ID, {
      variants: ['q4'],
      hubBase: server.url,
      root,
      log: quiet,
    });
    expect(result.outDir).toBe(join(root, 'tiny-lm'));
    expect(listFiles(result.outDir)).toEqual([
      '.gitignore',
      'config.json',
      'generation_config.json',
      'onnx/model_q4.onnx',
      'onnx/model_q4.onnx_data',
      'onnx/model_q4.onnx_data_1',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    for (const file of result.files) {
      expect(readFileSync(join(result.outDir, file)).equals(files[file]!), file).toBe(true);
    }
    expect(readFileSync(join(result.outDir, '.gitignore'), 'utf8')).toBe('*\n');
    const got = server.requests.map((r) => r.path);
    expect(got).not.toContain(`/${ID}/resolve/main/onnx/model.onnx`);
    expect(got).not.toContain(`/${ID}/resolve/main/README.md`);
  });

  it('by default picks the variant that runs on any WebGPU adapter and on WASM', async () => {
    const { server } = await started();
    const result = await fetchOnnxModel(ID, { hubBase: server.url, root: tmp(), log: quiet });
    expect(result.variants).toEqual(['q4']);
  });

  it('writes a folder the app serves: listed by HEAD, and it loads and scores like the original', async () => {
    const { server } = await started();
    const root = tmp();
    const { outDir } = await fetchOnnxModel(ID, {
      variants: ['fp32'],
      hubBase: server.url,
      root,
      log: quiet,
    });
    // Served as the app serves models/: a plain static folder with no Hub API.
    const served: Record<string, Uint8Array> = {};
    for (const f of listFiles(outDir))
      served[`/models/tiny-llama/${f}`] = readFileSync(join(outDir, f));
    const site = await serveFolder(served, { spaFallback: true });
    cleanup.push(() => site.close());
    const listing = await listVariants(`${site.url}/models/tiny-llama/`, { cache: null });
    expect(listing.variants.map((v) => v.variant)).toEqual(['fp32']);

    const options = {
      ort,
      ep: 'wasm' as const,
      variant: 'fp32' as const,
      shaderF16: false,
      cache: null,
    };
    const score = async (base: string, dir: string, name: string) => {
      const engine = await loadOnnxLabeler(`${base}${name}/`, {
        ...options,
        fetch: fileFetch(base, dir),
      });
      const [s] = await engine.scoreNextToken({
        prefix: ['The answer is'],
        continuations: [' ='],
        tokenIds: [5, 6, 7],
      });
      await engine.dispose();
      return s!.logprobs;
    };
    const copy = await score('http://copy.test/', root, 'tiny-lm');
    const original = await score('http://original.test/', 'models', 'tiny-llama');
    expect(copy).toEqual(original);
    expect(copy.every(Number.isFinite)).toBe(true);
  });

  it('skips files already copied whole on a rerun', async () => {
    const { server } = await started();
    const root = tmp();
    const options = { variants: ['q4' as const], hubBase: server.url, root, log: quiet };
    await fetchOnnxModel(ID, options);
    const before = server.requests.length;
    await fetchOnnxModel(ID, options);
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([
      `/api/models/${ID}?blobs=true`,
    ]);
  });

  it('names the variants a repo has when asked for one it lacks', async () => {
    const { server } = await started();
    const root = tmp();
    await expect(
      fetchOnnxModel(ID, { variants: ['q4f16'], hubBase: server.url, root, log: quiet }),
    ).rejects.toThrow('The repo has no q4f16 variant; it has: fp32, q4.');
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses a size that differs from the listing, leaving no file that looks complete', async () => {
    const files = repoFiles();
    const h = await hub(files);
    cleanup.push(() => h.server.close());
    // The listing promises one byte more than the server sends for the graph.
    const root = tmp();
    const lying = (async (input: RequestInfo | URL) => {
      const response = await fetch(input);
      if (!String(input).includes('/api/models/')) return response;
      const info = (await response.json()) as { siblings: { rfilename: string; size: number }[] };
      for (const s of info.siblings) if (s.rfilename === 'onnx/model.onnx') s.size += 1;
      return new Response(JSON.stringify(info));
    }) as typeof fetch;
    await expect(
      fetchOnnxModel(ID, {
        variants: ['fp32'],
        hubBase: h.server.url,
        root,
        log: quiet,
        fetch: lying,
      }),
    ).rejects.toThrow(/the Hub lists .*run it again/);
    expect(listFiles(join(root, 'tiny-lm'))).not.toContain('onnx/model.onnx');
  });

  it('says it needs the network when the Hub is unreachable, and refuses bad ids and names', async () => {
    const options = { hubBase: 'http://127.0.0.1:9', root: tmp(), log: quiet };
    await expect(fetchOnnxModel(ID, options)).rejects.toThrow(/needs the network/);
    await expect(fetchOnnxModel('no-slash', options)).rejects.toThrow(FetchOnnxError);
    await expect(fetchOnnxModel('a/b', { ...options, name: 'mlc' })).rejects.toThrow(/--name/);
  });
});
