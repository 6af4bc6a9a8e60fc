import { describe, expect, it } from 'vitest';
import { describeGpu, probeWebGPU } from '../../../src/lib/gpu/webgpu';

// Runs in real headless Chromium: here the adapter is SwiftShader, on a user's machine their GPU.
describe('WebGPU in Chromium', () => {
  it('offers an adapter and the probe reads its identity and features', async () => {
    const status = await probeWebGPU();
    expect(status.kind).toBe('webgpu');
    if (status.kind !== 'webgpu') return;
    expect(status.vendor.length).toBeGreaterThan(0);
    expect(status.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    const adapter = await navigator.gpu.requestAdapter();
    expect(status.shaderF16).toBe(adapter?.features.has('shader-f16'));
    expect(describeGpu(status)).toContain(status.architecture);
  });

  it('runs a compute shader: y = a*x + b and a dot-product reduction, checked on the CPU', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('no adapter');
    const device = await adapter.requestDevice();
    const n = 4096;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    const w = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.5));
    const a = 1.5;
    const b = -0.25;

    // One workgroup per 256 elements writes a*x+b and a partial sum of (a*x+b)*w.
    const shader = device.createShaderModule({
      code: /* wgsl */ `
        @group(0) @binding(0) var<storage, read> x: array<f32>;
        @group(0) @binding(1) var<storage, read> w: array<f32>;
        @group(0) @binding(2) var<storage, read_write> y: array<f32>;
        @group(0) @binding(3) var<storage, read_write> partial: array<f32>;
        var<workgroup> scratch: array<f32, 256>;
        @compute @workgroup_size(256)
        fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_id) lid: vec3u,
                @builtin(workgroup_id) wid: vec3u) {
          let v = ${a} * x[gid.x] + (${b});
          y[gid.x] = v;
          scratch[lid.x] = v * w[gid.x];
          workgroupBarrier();
          for (var s = 128u; s > 0u; s = s >> 1u) {
            if (lid.x < s) { scratch[lid.x] = scratch[lid.x] + scratch[lid.x + s]; }
            workgroupBarrier();
          }
          if (lid.x == 0u) { partial[wid.x] = scratch[0]; }
        }`,
    });
    const groups = n / 256;
    const buffer = (data: Float32Array | number, usage: number) => {
      const size = typeof data === 'number' ? data : data.byteLength;
      const buf = device.createBuffer({ size, usage, mappedAtCreation: typeof data !== 'number' });
      if (typeof data !== 'number') {
        new Float32Array(buf.getMappedRange()).set(data);
        buf.unmap();
      }
      return buf;
    };
    const S = GPUBufferUsage.STORAGE;
    const xBuf = buffer(x, S);
    const wBuf = buffer(w, S);
    const yBuf = buffer(n * 4, S | GPUBufferUsage.COPY_SRC);
    const pBuf = buffer(groups * 4, S | GPUBufferUsage.COPY_SRC);
    const readY = buffer(n * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const readP = buffer(groups * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: shader, entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [xBuf, wBuf, yBuf, pBuf].map((buf, binding) => ({
        binding,
        resource: { buffer: buf },
      })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(groups);
    pass.end();
    encoder.copyBufferToBuffer(yBuf, 0, readY, 0, n * 4);
    encoder.copyBufferToBuffer(pBuf, 0, readP, 0, groups * 4);
    device.queue.submit([encoder.finish()]);
    await Promise.all([readY.mapAsync(GPUMapMode.READ), readP.mapAsync(GPUMapMode.READ)]);
    const y = new Float32Array(readY.getMappedRange().slice(0));
    const partial = new Float32Array(readP.getMappedRange().slice(0));

    // Reference in float64 on the CPU.
    let dot = 0;
    let maxDiff = 0;
    for (let i = 0; i < n; i++) {
      const expected = a * x[i]! + b;
      maxDiff = Math.max(maxDiff, Math.abs(y[i]! - expected));
      dot += expected * w[i]!;
    }
    const gpuDot = partial.reduce((s, v) => s + v, 0);
    expect(maxDiff).toBeLessThan(1e-6);
    expect(Math.abs(gpuDot - dot)).toBeLessThan(1e-3);
    expect(Math.abs(dot)).toBeGreaterThan(1); // the check is not vacuous
    device.destroy();
  });
});
