// Which onnxruntime-web build the app loads, and how it is set up. The "webgpu" build carries the
// native WebGPU execution provider and the WASM one; it is imported on first use, so the app's
// first paint does not wait for it.
import type { ExecutionProvider, OrtModule } from './causal-lm';

let loading: Promise<OrtModule> | null = null;

export function loadOrt(): Promise<OrtModule> {
  loading ??= import('onnxruntime-web/webgpu').then((ort) => {
    // Threads need cross-origin isolation (COOP/COEP); without it WASM runs single-threaded.
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, cores) : 1;
    // Node placement notes (shape ops kept on the CPU) are expected; report only real errors.
    ort.env.logLevel = 'error';
    return ort as unknown as OrtModule;
  });
  return loading;
}

/** WebGPU when the browser offers an adapter, else the WASM fallback; a request can force WASM. */
export async function chooseProvider(requested?: ExecutionProvider): Promise<ExecutionProvider> {
  if (requested === 'wasm') return 'wasm';
  const adapter = await globalThis.navigator?.gpu?.requestAdapter().catch(() => null);
  if (adapter) return 'webgpu';
  if (requested === 'webgpu')
    throw new Error('WebGPU was requested but this browser offers no GPU adapter.');
  return 'wasm';
}
