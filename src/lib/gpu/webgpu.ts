// What the user's browser offers for WebGPU, read once at start-up and shown in the header badge.
// Engines read the same status to choose between the WebGPU path and the WASM fallback.

export type GpuStatus =
  | {
      kind: 'webgpu';
      vendor: string;
      architecture: string;
      description: string;
      isFallbackAdapter: boolean;
      shaderF16: boolean;
      maxBufferSize: number;
      maxStorageBufferBindingSize: number;
    }
  | { kind: 'unavailable'; reason: string; fallback: string };

/** What runs when WebGPU is missing: onnxruntime-web's WASM execution provider on the CPU. */
export const WASM_FALLBACK = 'onnxruntime-web WASM on the CPU (slower; web-llm models need WebGPU)';

/** Ask the browser for an adapter; never throws, so the app can always say what will run. */
export async function probeWebGPU(
  gpu: GPU | undefined = globalThis.navigator?.gpu,
): Promise<GpuStatus> {
  if (!gpu) {
    return {
      kind: 'unavailable',
      reason: 'This browser does not expose WebGPU (navigator.gpu is missing).',
      fallback: WASM_FALLBACK,
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return {
      kind: 'unavailable',
      reason: `requestAdapter failed: ${String(error)}`,
      fallback: WASM_FALLBACK,
    };
  }
  if (!adapter) {
    return {
      kind: 'unavailable',
      reason:
        'WebGPU is present but no GPU adapter was offered (blocklisted driver or disabled GPU).',
      fallback: WASM_FALLBACK,
    };
  }
  const info = adapter.info;
  return {
    kind: 'webgpu',
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description,
    // `isFallbackAdapter` moved from the adapter onto its info; read whichever the browser has.
    isFallbackAdapter: Boolean(
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/** One line for the badge, e.g. "google / swiftshader · fallback adapter · no shader-f16". */
export function describeGpu(status: GpuStatus): string {
  if (status.kind === 'unavailable') return `No WebGPU: ${status.fallback}`;
  const parts = [`${status.vendor} / ${status.architecture}`];
  if (status.isFallbackAdapter) parts.push('fallback adapter');
  parts.push(status.shaderF16 ? 'shader-f16' : 'no shader-f16');
  return parts.join(' · ');
}
