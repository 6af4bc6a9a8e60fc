import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { halfBits, halfToFloat32, halfToNumber } from '../../../../src/lib/engines/onnx/float16';

// float16 logits and caches are widened on the CPU: checked on hand-computed values and, for all
// 65536 bit patterns, against onnxruntime's own Cast(float16 -> float32).
const { onnx } = onnxProto;
ort.env.wasm.numThreads = 1;

describe('halfToNumber', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125], // the float16 nearest 1/3
    [0x7bff, 65504], // the largest finite half
    [0x0400, 2 ** -14], // the smallest normal
    [0x0001, 2 ** -24], // the smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // the largest subnormal
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('bits %i read as %d', (bits, value) => {
    expect(halfToNumber(bits)).toBe(value);
  });

  it('keeps the sign of zero and reads NaNs as NaN', () => {
    expect(Object.is(halfToNumber(0x8000), -0)).toBe(true);
    expect(halfToNumber(0x7e00)).toBeNaN();
    expect(halfToNumber(0xfc01)).toBeNaN();
  });
});

describe('halfToFloat32', () => {
  it('equals onnxruntime Cast(float16 -> float32) on every bit pattern', async () => {
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'cast',
        node: [
          {
            opType: 'Cast',
            input: ['x'],
            output: ['y'],
            attribute: [{ name: 'to', type: 2, i: 1 }],
          },
        ],
        input: [
          {
            name: 'x',
            type: { tensorType: { elemType: 10, shape: { dim: [{ dimParam: 'n' }] } } },
          },
        ],
        output: [
          { name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }] } } } },
        ],
      },
    }).finish();
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const out = await session.run({ x: new ort.Tensor('float16', bits, [bits.length]) });
    const expected = out.y!.data as Float32Array;
    const got = halfToFloat32(bits);
    const differ = Array.from(got).filter(
      (v, i) => !Object.is(v, expected[i]) && !(isNaN(v) && isNaN(expected[i]!)),
    );
    expect(differ).toEqual([]);
    await session.release();
  });

  it('reads the same bits from a Uint16Array, a byte view, or any 2-byte view', () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff);
    const bytes = new Uint8Array(bits.buffer);
    expect(halfBits(bits)).toBe(bits);
    expect(Array.from(halfToFloat32(bytes))).toEqual([1, -2, 65504]);
    const offset = new Uint16Array(new Uint16Array([0, 0x3c00, 0x4000]).buffer, 2, 2);
    expect(Array.from(halfToFloat32(new DataView(offset.buffer, 2, 4)))).toEqual([1, 2]);
  });
});
