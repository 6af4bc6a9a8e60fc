import { describe, expect, it } from 'vitest';
import {
  appConfigWith,
  customModelRecord,
  localModelRecord,
  modelFileUrl,
  webLlmModelUrl,
} from '../../../../src/lib/engines/webllm/custom-model';

const PAGE = 'http://127.0.0.1:5173/app/';

/** web-llm 0.2.86's cleanModelUrl, copied from its lib/index.js, to check what it will do. */
function cleanModelUrl(modelUrl: string): string {
  modelUrl += modelUrl.endsWith('/') ? '' : '/';
  if (!modelUrl.match(/.+\/resolve\/.+\//)) modelUrl += 'resolve/main/';
  return new URL(modelUrl).href;
}

describe('model URLs for self-hosted MLC models', () => {
  it('keeps web-llm from appending resolve/main/ to a plain folder', () => {
    const url = webLlmModelUrl('/models/mlc/Tiny-q4f32_1-MLC', PAGE);
    expect(url).toBe('http://127.0.0.1:5173/models/mlc/Tiny-q4f32_1-MLC/#/resolve/main/');
    expect(cleanModelUrl(url)).toBe(url); // web-llm leaves it alone…
    // …and the files it derives with new URL(file, base) are in the folder itself.
    expect(new URL('tensor-cache.json', cleanModelUrl(url)).href).toBe(
      'http://127.0.0.1:5173/models/mlc/Tiny-q4f32_1-MLC/tensor-cache.json',
    );
    expect(modelFileUrl(url, 'tokenizer.json')).toBe(
      'http://127.0.0.1:5173/models/mlc/Tiny-q4f32_1-MLC/tokenizer.json',
    );
  });

  it('resolves relative folders against the page (web-llm needs absolute URLs)', () => {
    expect(webLlmModelUrl('models/mlc/x/', PAGE)).toBe(
      'http://127.0.0.1:5173/app/models/mlc/x/#/resolve/main/',
    );
  });

  it('leaves Hugging Face repos and /resolve/ URLs to web-llm', () => {
    const hub = 'https://huggingface.co/mlc-ai/SmolLM2-360M-Instruct-q4f32_1-MLC';
    expect(webLlmModelUrl(hub, PAGE)).toBe(`${hub}/`);
    expect(modelFileUrl(hub, 'tokenizer.json')).toBe(`${hub}/resolve/main/tokenizer.json`);
    const pinned = 'https://mirror.example/m/resolve/abc123/';
    expect(webLlmModelUrl(pinned, PAGE)).toBe(pinned);
    expect(modelFileUrl(pinned, 'tokenizer.json')).toBe(`${pinned}tokenizer.json`);
  });

  it('builds a record from model URL, library URL and id', () => {
    const record = customModelRecord(
      {
        modelId: 'My-q4f32_1-MLC',
        modelUrl: 'https://models.example/my/',
        modelLibUrl: '/libs/my.wasm',
        vramMB: 600,
        contextWindow: 2048,
      },
      PAGE,
    );
    expect(record).toEqual({
      model_id: 'My-q4f32_1-MLC',
      model: 'https://models.example/my/#/resolve/main/',
      model_lib: 'http://127.0.0.1:5173/libs/my.wasm',
      vram_required_MB: 600,
      overrides: { context_window_size: 2048 },
    });
  });

  it('points a prebuilt id at models/mlc/<id>/ with its prebuilt library file name', () => {
    const id = 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC';
    const record = localModelRecord(id, { base: 'http://127.0.0.1:5173/' });
    expect(record.model).toBe(`http://127.0.0.1:5173/models/mlc/${id}/#/resolve/main/`);
    expect(record.model_lib).toBe(
      `http://127.0.0.1:5173/models/mlc/${id}/Qwen2-0.5B-Instruct-q4f32_1_cs1k-webgpu.wasm`,
    );
    expect(record.vram_required_MB).toBe(1060.2);
    expect(record.overrides).toEqual({ context_window_size: 4096 });
    const config = appConfigWith([record]);
    expect(config.model_list.filter((r) => r.model_id === id)).toEqual([record]);
  });
});
