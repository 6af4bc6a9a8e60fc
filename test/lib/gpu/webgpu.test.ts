import { describe, expect, it } from 'vitest';
import { describeGpu, probeWebGPU, WASM_FALLBACK } from '../../../src/lib/gpu/webgpu';

// Glue only: the real adapter is exercised in webgpu.browser.test.ts on Chromium.
describe('probeWebGPU without a usable adapter', () => {
  it('explains a missing navigator.gpu and names the WASM fallback', async () => {
    const status = await probeWebGPU(undefined);
    expect(status).toMatchObject({ kind: 'unavailable', fallback: WASM_FALLBACK });
    expect(describeGpu(status)).toBe(`No WebGPU: ${WASM_FALLBACK}`);
  });
  it('explains a null adapter', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const status = await probeWebGPU(gpu);
    expect(status.kind).toBe('unavailable');
    if (status.kind === 'unavailable') expect(status.reason).toMatch(/no GPU adapter/);
  });
  it('reports a throwing requestAdapter instead of throwing', async () => {
    const gpu = {
      requestAdapter: async () => {
        throw new Error('boom');
      },
    } as unknown as GPU;
    const status = await probeWebGPU(gpu);
    expect(status.kind === 'unavailable' && status.reason).toContain('boom');
  });
});
