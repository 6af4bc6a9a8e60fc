import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  externalDataFiles,
  loadModelFolder,
  ModelLoadError,
  type FileProgress,
  type OnnxVariant,
} from '../../../../src/lib/engines/onnx/model-files';
import { memoryFetch } from '../../../support/llama-forms';

// Every form transformers.js_config.use_external_data_format takes in published configs, and
// which data files each makes the loader fetch: only the chosen variant's, each with progress and
// into the cache like every other file.
const BASE = 'http://hub.test/m/';
const withFlag = (flag: unknown) => ({
  'transformers.js_config': { use_external_data_format: flag },
});

describe('externalDataFiles', () => {
  it.each([
    ['absent', undefined, 'model.onnx', []],
    ['false', false, 'model.onnx', []],
    ['true', true, 'model_q4.onnx', ['model_q4.onnx_data']],
    ['a count', 3, 'model.onnx', ['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']],
    ['zero', 0, 'model.onnx', []],
    [
      'an object keyed by file, for a listed file',
      { 'model.onnx': true, 'model_fp16.onnx': 2 },
      'model_fp16.onnx',
      ['model_fp16.onnx_data', 'model_fp16.onnx_data_1'],
    ],
    [
      'an object keyed by file, for an unlisted file',
      { 'model.onnx': true, 'model_fp16.onnx': 2 },
      'model_q4.onnx',
      [],
    ],
    ['an object keyed by file, with false', { 'model.onnx': false }, 'model.onnx', []],
    [
      'an object keyed by file name without .onnx',
      { model_q4f16: 1 },
      'model_q4f16.onnx',
      ['model_q4f16.onnx_data'],
    ],
    [
      'an object keyed by the base name (every variant, as transformers.js reads it)',
      { model: 2 },
      'model_q4.onnx',
      ['model_q4.onnx_data', 'model_q4.onnx_data_1'],
    ],
    [
      'a file key before the base name',
      { model: 2, 'model_q4.onnx': true },
      'model_q4.onnx',
      ['model_q4.onnx_data'],
    ],
  ])('%s', (_name, flag, file, expected) => {
    expect(externalDataFiles(withFlag(flag), file)).toEqual(expected);
  });

  it('refuses an absurd chunk count with what to check', () => {
    expect(() => externalDataFiles(withFlag({ 'model.onnx': 500 }), 'model.onnx')).toThrow(
      ModelLoadError,
    );
    expect(() => externalDataFiles(withFlag(500), 'model.onnx')).toThrow(/at most 100/);
  });
});

/** A folder whose onnx/ has every variant and every data chunk any form could name. */
function folder(flag: unknown): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const config = {
    ...JSON.parse(readFileSync(join('models/tiny-llama', 'config.json'), 'utf8')),
    ...withFlag(flag),
  };
  files.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
  files.set('tokenizer.json', new Uint8Array(readFileSync('models/tiny-llama/tokenizer.json')));
  const bytes = (n: number) => new Uint8Array(n).fill(n % 251);
  for (const stem of ['model', 'model_fp16', 'model_q4', 'model_q4f16']) {
    files.set(`onnx/${stem}.onnx`, bytes(100));
    files.set(`onnx/${stem}.onnx_data`, bytes(1000));
    files.set(`onnx/${stem}.onnx_data_1`, bytes(1001));
  }
  return files;
}

function memoryCache(): Cache & { store: Map<string, number> } {
  const store = new Map<string, number>();
  return {
    store,
    match: async () => undefined,
    put: async (url: RequestInfo | URL, response: Response) => {
      store.set(String(url), (await response.arrayBuffer()).byteLength);
    },
  } as unknown as Cache & { store: Map<string, number> };
}

describe('loadModelFolder with external data', () => {
  it.each<[string, unknown, OnnxVariant, string[]]>([
    ['true', true, 'q4', ['model_q4.onnx', 'model_q4.onnx_data']],
    ['2 chunks', 2, 'fp16', ['model_fp16.onnx', 'model_fp16.onnx_data', 'model_fp16.onnx_data_1']],
    [
      'an object, chosen file listed',
      { 'model.onnx': 2, 'model_fp16.onnx': true },
      'fp32',
      ['model.onnx', 'model.onnx_data', 'model.onnx_data_1'],
    ],
    [
      'an object, chosen file not listed',
      { 'model.onnx': 2, 'model_fp16.onnx': true },
      'q4',
      ['model_q4.onnx'],
    ],
    [
      'an object by base name',
      { model: true },
      'q4f16',
      ['model_q4f16.onnx', 'model_q4f16.onnx_data'],
    ],
  ])(
    '%s: fetches the chosen variant and its own chunks only, with progress, cached',
    async (_n, flag, variant, expected) => {
      const requested: string[] = [];
      const progress: FileProgress[] = [];
      const cache = memoryCache();
      const files = await loadModelFolder(BASE, variant, {
        fetch: memoryFetch(BASE, folder(flag), requested),
        cache,
        onProgress: (p) => progress.push(p),
      });
      const onnx = requested.filter((u) => u.startsWith(`${BASE}onnx/`));
      expect(onnx).toEqual(expected.map((f) => `${BASE}onnx/${f}`));
      expect(files.externalData.map((d) => [d.path, d.data.length])).toEqual(
        expected.slice(1).map((f) => [f, f.endsWith('_1') ? 1001 : 1000]),
      );
      for (const f of expected) {
        expect(progress.filter((p) => p.file === `onnx/${f}`).at(-1)?.loaded).toBe(
          folder(flag).get(`onnx/${f}`)!.length,
        );
        expect(cache.store.get(`${BASE}onnx/${f}`)).toBe(folder(flag).get(`onnx/${f}`)!.length);
      }
    },
  );

  it('reports a chunk the config promises but the folder lacks, by name', async () => {
    const files = folder(3); // the folder has chunks 0 and 1 only
    await expect(
      loadModelFolder(BASE, 'fp32', { fetch: memoryFetch(BASE, files), cache: null }),
    ).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(/onnx\/model\.onnx_data_2 was not found/),
    });
  });
});
