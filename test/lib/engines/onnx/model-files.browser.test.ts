import { describe, expect, it } from 'vitest';
import {
  deleteCachedModel,
  loadModelFolder,
  MODEL_CACHE,
  type FileProgress,
} from '../../../../src/lib/engines/onnx/model-files';

// The real Cache API and fetch in Chromium: the second load of a model works offline.
describe('model files in the browser', () => {
  it('keeps downloaded files in the Cache API so the next load works offline', async () => {
    await caches.delete(MODEL_CACHE);
    const first: FileProgress[] = [];
    const online = await loadModelFolder('/models/tiny-llama/', 'fp32', {
      onProgress: (p) => first.push(p),
    });
    expect(
      first.some(
        (p) => p.file === 'onnx/model.onnx' && !p.fromCache && p.total === online.onnx.length,
      ),
    ).toBe(true);

    const offline = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    const second: FileProgress[] = [];
    const again = await loadModelFolder('/models/tiny-llama/', 'fp32', {
      fetch: offline,
      onProgress: (p) => second.push(p),
    });
    expect(second.every((p) => p.fromCache)).toBe(true);
    expect(again.onnx).toEqual(online.onnx);
    expect(again.tokenizer).toEqual(online.tokenizer);

    const removed = await deleteCachedModel('/models/tiny-llama/');
    expect(removed).toBe(5);
    await expect(
      loadModelFolder('/models/tiny-llama/', 'fp32', { fetch: offline }),
    ).rejects.toMatchObject({ kind: 'network' });
  });

  it('says which file is missing, and when a host cannot be reached', async () => {
    await expect(
      loadModelFolder('/models/no-such-model/', 'fp32', { cache: null }),
    ).rejects.toMatchObject({
      kind: 'not-found',
    });
    await expect(
      loadModelFolder('http://127.0.0.1:9/model/', 'fp32', { cache: null }),
    ).rejects.toMatchObject({
      kind: 'network',
    });
  });
});
