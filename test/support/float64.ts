// Plain float64 building blocks shared by the reference models (test code only): the weights of
// an ONNX file widened to float64, and the few vector operations the forward passes need.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Every float32 initializer of an ONNX model, widened to float64, by name. */
export function initializersFloat64(bytes: Uint8Array): Map<string, Float64Array> {
  const model = onnx.ModelProto.decode(bytes);
  const weights = new Map<string, Float64Array>();
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.rawData;
    if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT || !raw || !tensor.name) continue;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float64Array(raw.byteLength / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
    weights.set(tensor.name, values);
  }
  return weights;
}

export function row(matrix: Float64Array, index: number, width: number): number[] {
  return Array.from(matrix.subarray(index * width, (index + 1) * width));
}

export function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function dot(a: number[], b: number[]): number {
  return a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);
}

export function add(a: number[], b: number[]): number[] {
  return a.map((v, i) => v + (b[i] ?? 0));
}
