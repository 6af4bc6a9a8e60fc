// LabelerModel.loadWebLlm against a stand-in WebLlmEngine (the real one needs WebGPU and a model):
// progress reaches `load`, failures become error states with their kind, a cancel goes back to
// idle, and a model that dies while labeling moves the state to an error that offers a reload.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebLlmEngineOptions } from '../../src/lib/engines/webllm/engine';
import { mapWebLlmError, workerCrashed, WebLlmError } from '../../src/lib/engines/webllm/errors';
import type { GpuStatus } from '../../src/lib/gpu/webgpu';
import type { LabelerEngine } from '../../src/lib/rlaif/engine';
import { LabelerModel } from '../../src/ui/state/labeler-model.svelte';

const create = vi.hoisted(() => vi.fn());
vi.mock('../../src/lib/engines/webllm/engine', () => ({ WebLlmEngine: { create } }));

const GPU: GpuStatus = {
  kind: 'webgpu',
  vendor: 'google',
  architecture: 'swiftshader',
  description: '',
  isFallbackAdapter: true,
  shaderF16: false,
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
};
const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';

function fakeEngine(scoreError?: unknown) {
  let crash: ((error: WebLlmError) => void) | undefined;
  const engine = {
    modelId: MODEL,
    tokenizer: { vocabSize: 10 },
    scoreNextToken: vi.fn(async () => {
      if (scoreError) throw scoreError;
      return [];
    }),
    generate: vi.fn(),
    dispose: vi.fn(async () => {}),
    onCrash: (listener: (error: WebLlmError) => void) => (crash = listener),
  };
  return { engine, crash: (error: WebLlmError) => crash?.(error) };
}

const score = (engine: LabelerEngine) =>
  engine.scoreNextToken({ prefix: [], continuations: ['x'], tokenIds: [1, 2] });

// A block, not an arrow returning the mock: vitest would run a returned function as cleanup.
beforeEach(() => {
  create.mockReset();
});

describe('LabelerModel.loadWebLlm', () => {
  it('shows web-llm progress as text and fraction, then the loaded model', async () => {
    const { engine } = fakeEngine();
    let release!: () => void;
    create.mockImplementation(async (options: WebLlmEngineOptions) => {
      options.onProgress?.({ text: 'Fetching param cache[3/10]', progress: 0.3 });
      await new Promise<void>((ok) => (release = ok));
      return engine;
    });
    const model = new LabelerModel();
    const loading = model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    await vi.waitFor(() => expect(create).toHaveBeenCalled());
    expect(model.load).toMatchObject({
      phase: 'loading',
      text: 'Fetching param cache[3/10]',
      fraction: 0.3,
    });
    expect(create.mock.calls[0]![0]).toMatchObject({ modelId: MODEL, gpu: GPU });
    release();
    await loading;
    expect(model.load).toEqual({
      phase: 'ready',
      modelId: MODEL,
      ep: 'webgpu',
      synthetic: false,
      runtime: 'web-llm',
    });
    expect(model.generation).toBe(1);
    expect(model.engine?.modelId).toBe(MODEL);
  });

  it('turns a failed load into an error state with its kind, and a hint for missing files', async () => {
    const model = new LabelerModel();
    create.mockRejectedValueOnce(mapWebLlmError('TypeError: Failed to fetch', 'load'));
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    expect(model.load).toMatchObject({ phase: 'error', kind: 'network' });
    expect(model.load.phase === 'error' && model.load.message).toMatch(/network is down/);

    create.mockRejectedValueOnce(new WebLlmError('model-not-found', 'tokenizer.json: 404.', ''));
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU, notFoundHint: 'Run models:fetch.' });
    expect(model.load).toEqual({
      phase: 'error',
      message: 'tokenizer.json: 404. Run models:fetch.',
      kind: 'model-not-found',
    });
    expect(model.engine).toBeNull();
  });

  it('goes back to idle when cancelled, whatever the aborted download threw', async () => {
    create.mockImplementation(
      (options: WebLlmEngineOptions) =>
        new Promise((_, reject) =>
          options.signal?.addEventListener('abort', () =>
            reject(new DOMException('The operation was aborted.', 'AbortError')),
          ),
        ),
    );
    const model = new LabelerModel();
    const loading = model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    await vi.waitFor(() => expect(create).toHaveBeenCalled());
    model.cancelLoad();
    await loading;
    expect(model.load).toEqual({ phase: 'idle' });
  });

  it('drops a model whose device is lost while labeling, and offers a reload', async () => {
    const deviceLost = mapWebLlmError('DeviceLostError: The WebGPU device was lost.', 'label');
    const first = fakeEngine(deviceLost);
    const second = fakeEngine();
    create.mockResolvedValueOnce(first.engine).mockResolvedValueOnce(second.engine);
    const model = new LabelerModel();
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    await expect(score(model.engine!)).rejects.toBe(deviceLost);
    expect(model.load).toMatchObject({ phase: 'error', kind: 'out-of-memory', reload: true });
    expect(model.load.phase === 'error' && model.load.message).toMatch(
      /^The model stopped and must be reloaded.*Labels made so far are kept/,
    );
    expect(model.engine).toBeNull();
    expect(first.engine.dispose).toHaveBeenCalledOnce();

    await model.reloadWebLlm();
    expect(create).toHaveBeenCalledTimes(2);
    expect(model.load).toMatchObject({ phase: 'ready', modelId: MODEL });
  });

  it('drops a model whose worker crashes while idle', async () => {
    const { engine, crash } = fakeEngine();
    create.mockResolvedValueOnce(engine);
    const model = new LabelerModel();
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    crash(workerCrashed('script error'));
    expect(model.load).toMatchObject({ phase: 'error', kind: 'worker-crashed', reload: true });
    expect(engine.dispose).toHaveBeenCalledOnce();
  });

  it("shows the engine's tokenizer-mismatch notice as a warning of the loaded model", async () => {
    const { engine } = fakeEngine();
    let notify!: WebLlmEngineOptions['onNotice'];
    create.mockImplementationOnce(async (options: WebLlmEngineOptions) => {
      notify = options.onNotice;
      return engine;
    });
    const model = new LabelerModel();
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    expect(model.warnings).toEqual([]);
    const message = "web-llm read the first prompt as 5 tokens, the app's tokenizer as 4";
    notify?.({ kind: 'tokenizer-mismatch', webLlm: 5, app: 4, message });
    expect(model.warnings).toEqual([message]);
  });

  it('drops a notice from an engine that is no longer the loaded one', async () => {
    const first = fakeEngine();
    let notify!: WebLlmEngineOptions['onNotice'];
    create.mockImplementationOnce(async (options: WebLlmEngineOptions) => {
      notify = options.onNotice;
      return first.engine;
    });
    create.mockResolvedValueOnce(fakeEngine().engine);
    const model = new LabelerModel();
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    await model.loadWebLlm({ modelId: MODEL, gpu: GPU });
    notify?.({ kind: 'tokenizer-mismatch', webLlm: 5, app: 4, message: 'stale' });
    expect(model.warnings).toEqual([]);
  });
});
