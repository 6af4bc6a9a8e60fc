import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import {
  deleteCachedModel,
  isModelCached,
  sharedWeights,
  type CacheApi,
} from '../../../../src/lib/engines/webllm/cache';

const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const FOLDER = 'https://huggingface.co/mlc-ai/SmolLM2-360M-Instruct-q4f32_1-MLC/resolve/main/';

function fakeApi(cached: boolean) {
  const calls: string[] = [];
  const api: CacheApi = {
    has: async (id, config) => (calls.push(`has ${id} ${config.cacheBackend ?? ''}`), cached),
    remove: async (id, config) => void calls.push(`remove ${id} ${config.cacheBackend ?? ''}`),
  };
  return { api, calls };
}

function fakeCache() {
  const deleted: string[] = [];
  const cache = { delete: async (url: string) => (deleted.push(url), true) } as unknown as Cache;
  return { cache, deleted };
}

describe('web-llm cache helpers', () => {
  it('asks web-llm with the chosen store, and reads a store failure as not cached', async () => {
    const { api, calls } = fakeApi(true);
    expect(await isModelCached(MODEL, { api, cacheBackend: 'indexeddb' })).toBe(true);
    expect(calls).toEqual([`has ${MODEL} indexeddb`]);
    const broken: CacheApi = { ...api, has: async () => Promise.reject(new Error('no caches')) };
    expect(await isModelCached(MODEL, { api: broken })).toBe(false);
  });

  it("deletes web-llm's copy and the engine's own tokenizer files", async () => {
    const { api, calls } = fakeApi(true);
    const { cache, deleted } = fakeCache();
    await deleteCachedModel(MODEL, { api, pageCache: cache, appConfig: prebuiltAppConfig });
    expect(calls).toEqual([`remove ${MODEL} cache`]); // prebuiltAppConfig names the Cache API
    expect(deleted.sort()).toEqual([
      `${FOLDER}mlc-chat-config.json`,
      `${FOLDER}tokenizer.json`,
      `${FOLDER}tokenizer_config.json`,
    ]);
  });

  it('leaves the app cache alone for an id web-llm does not know', async () => {
    const { api } = fakeApi(false);
    const { cache, deleted } = fakeCache();
    await deleteCachedModel('Nope-q4f32_1-MLC', { api, pageCache: cache });
    expect(deleted).toEqual([]);
  });

  it('names the builds whose weights a delete removes too (the "-1k" ids share a folder)', () => {
    // web-llm's deleteModelInCache deletes the tensor cache of the record's model URL.
    expect(sharedWeights('gemma-2-2b-it-q4f32_1-MLC-1k', prebuiltAppConfig)).toEqual([
      'gemma-2-2b-it-q4f32_1-MLC',
    ]);
    expect(sharedWeights('gemma-2-2b-it-q4f32_1-MLC')).toEqual(['gemma-2-2b-it-q4f32_1-MLC-1k']);
    expect(sharedWeights(MODEL)).toEqual([]);
    expect(sharedWeights('Nope-q4f32_1-MLC')).toEqual([]);
  });
});
