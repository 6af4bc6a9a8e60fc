import { IntegrityError } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import {
  mapWebLlmError,
  workerCrashed,
  WebLlmError,
} from '../../../../src/lib/engines/webllm/errors';

// web-llm 0.2.86 exports only IntegrityError of its error classes; the others are rebuilt here
// with the exact names and messages of its lib/index.js. From its worker they arrive as the
// strings err.toString() makes ("Name: message"), which is what the engine sees on the page.
function webLlmError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
const fromWorker = (error: Error) => error.toString();

const WEBGPU_NOT_AVAILABLE = webLlmError(
  'WebGPUNotAvailableError',
  'WebGPU is not supported in your current environment, but it is necessary to run the WebLLM engine. ' +
    'Please make sure that your browser supports WebGPU and that it is enabled in your browser settings.',
);
const SHADER_F16 = webLlmError(
  'ShaderF16SupportError',
  'This model requires WebGPU extension shader-f16, which is not enabled in this browser. ' +
    'You can try to launch Chrome Canary in command line with flag "--enable-dawn-features=allow_unsafe_apis".',
);
const DEVICE_LOST = webLlmError(
  'DeviceLostError',
  'The WebGPU device was lost while loading the model. This issue often occurs due to running out of memory (OOM). To resolve this, try reloading with a model that has fewer parameters or uses a smaller context length.',
);
const NO_ADAPTER = new Error(
  "Unable to find a compatible GPU. This issue might be because your computer doesn't have a GPU, or your system settings are not configured properly.",
);

describe('mapping web-llm failures', () => {
  it('no WebGPU, as an Error and as the string from the worker', () => {
    for (const e of [WEBGPU_NOT_AVAILABLE, fromWorker(WEBGPU_NOT_AVAILABLE), NO_ADAPTER]) {
      const mapped = mapWebLlmError(e, 'load');
      expect(mapped).toBeInstanceOf(WebLlmError);
      expect(mapped.kind).toBe('no-webgpu');
      expect(mapped.message).toMatch(/ONNX model/);
    }
  });

  it('no shader-f16 for an f16 build, including WGSL errors of unmarked f16 builds', () => {
    expect(mapWebLlmError(fromWorker(SHADER_F16), 'load').kind).toBe('needs-f16');
    expect(mapWebLlmError(fromWorker(SHADER_F16), 'load').message).toMatch(/q4f32/);
    expect(mapWebLlmError("error: 'f16' extension is not allowed", 'load').kind).toBe('needs-f16');
  });

  it('out of memory / device lost: suggests a smaller model, keeps labels when labeling', () => {
    const atLoad = mapWebLlmError(fromWorker(DEVICE_LOST), 'load');
    expect(atLoad.kind).toBe('out-of-memory');
    expect(atLoad.message).toMatch(/smaller model/);
    expect(atLoad.message).not.toMatch(/kept/);
    const labeling = mapWebLlmError(new Error('Device lost, calling Instance.dispose()'), 'label');
    expect(labeling.kind).toBe('out-of-memory');
    expect(labeling.message).toMatch(/Labels made so far are kept/);
  });

  it('quota exceeded while caching', () => {
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    expect(mapWebLlmError(quota, 'load').kind).toBe('quota');
    expect(mapWebLlmError(quota, 'load').message).toMatch(/Delete cached models/);
  });

  it('network failure mid-download (browser and tvmjs wordings)', () => {
    for (const e of [
      new TypeError('Failed to fetch'),
      'Error: Cannot fetch https://huggingface.co/mlc-ai/x/resolve/main/params_shard_3.bin',
      'Error: Network response was not ok',
      new TypeError('NetworkError when attempting to fetch resource.'),
    ]) {
      expect(mapWebLlmError(e, 'load').kind).toBe('network');
    }
  });

  it('model records, context length, integrity, and anything else', () => {
    expect(
      mapWebLlmError(
        'ModelNotFoundError: Cannot find model record in appConfig for X. Please check…',
        'load',
      ).kind,
    ).toBe('model-not-found');
    expect(
      mapWebLlmError(
        'ContextWindowSizeExceededError: Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096',
        'label',
      ).kind,
    ).toBe('context-too-long');
    expect(mapWebLlmError(new IntegrityError('u', 'sha256-a', 'sha256-b'), 'load').kind).toBe(
      'corrupt',
    );
    const other = mapWebLlmError('Error: something odd', 'label');
    expect(other.kind).toBe('unknown');
    expect(other.detail).toBe('Error: something odd');
    expect(mapWebLlmError(other, 'load')).toBe(other);
  });

  it('the model unloaded after a lost device (ModelNotLoadedError): reload it', () => {
    const notLoaded = webLlmError(
      'ModelNotLoadedError',
      'Model not loaded before trying to complete CompletionCreateParams. Please ensure you have ' +
        'called MLCEngine.reload(model) to load the model before initiating APIs, or initialize ' +
        'your engine using CreateMLCEngine() with a valid model configuration.',
    );
    const frontEnd = webLlmError(
      'WorkerEngineModelNotLoadedError',
      'WebWorkerMLCEngine is not loaded with a model. Did you call `engine.reload()`?',
    );
    for (const e of [notLoaded, fromWorker(notLoaded), frontEnd]) {
      const mapped = mapWebLlmError(e, 'label');
      expect(mapped.kind).toBe('model-lost');
      expect(mapped.message).toMatch(/Reload the model/);
      expect(mapped.message).toMatch(/Labels made so far are kept/);
    }
  });

  it("a 404 through web-llm's Cache backend (cache.add rejects) is a missing file", () => {
    // The browser's own TypeError text for Cache.add() on a non-2xx answer.
    const mapped = mapWebLlmError(
      "TypeError: Failed to execute 'add' on 'Cache': Request failed",
      'load',
    );
    expect(mapped.kind).toBe('model-not-found');
    expect(mapped.message).toMatch(/not found where the model record points/);
  });

  it('a crashed worker', () => {
    const crash = workerCrashed('out of memory');
    expect(crash.kind).toBe('worker-crashed');
    expect(crash.message).toMatch(/Labels made so far are kept/);
  });
});
