// GpuStatus values for tests of what depends on the adapter (catalog filtering, the picker).
import type { GpuStatus } from '../../src/lib/gpu/webgpu';

/** A WebGPU adapter with or without the shader-f16 feature. */
export const adapter = (shaderF16: boolean): GpuStatus => ({
  kind: 'webgpu',
  vendor: 'test',
  architecture: 'test',
  description: '',
  isFallbackAdapter: false,
  shaderF16,
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
});
export const F16 = adapter(true);
/** Like SwiftShader here: no shader-f16. */
export const NO_F16 = adapter(false);
