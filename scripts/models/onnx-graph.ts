// A small builder for ONNX graphs on top of onnx-proto's generated classes: add nodes and
// initializers by name, then encode a ModelProto. Every attribute we need is an int or int list.

import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS without named exports that Node can detect; take its default export.
export const { onnx } = onnxProto;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const BOOL = onnx.TensorProto.DataType.BOOL;
export const INT8 = onnx.TensorProto.DataType.INT8;
export const UINT8 = onnx.TensorProto.DataType.UINT8;

/** A dimension: a fixed size or a symbolic name such as "batch_size". */
export type Dim = number | string;
export type Attrs = Record<string, number | number[]>;

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly counts = new Map<string, number>();
  private readonly initializerNames = new Set<string>();
  /** Prefix for node names, e.g. "/model/layers.0/self_attn/", so graph viewers group them. */
  scope = '';

  /** Add a node with one output and return the output's name (auto-named unless given). */
  op(opType: string, inputs: string[], attrs: Attrs = {}, output?: string): string {
    const name = this.uniqueName(opType);
    const out = output ?? `${name}_output_0`;
    const attribute = Object.entries(attrs).map(([key, value]) => intAttribute(key, value));
    this.nodes.push(
      onnx.NodeProto.create({ name, opType, input: inputs, output: [out], attribute }),
    );
    return out;
  }

  /** A node with several outputs (e.g. DynamicQuantizeLinear's value, scale and zero point). */
  ops(opType: string, inputs: string[], outputCount: number, attrs: Attrs = {}): string[] {
    const name = this.uniqueName(opType);
    const output = Array.from({ length: outputCount }, (_, i) => `${name}_output_${i}`);
    const attribute = Object.entries(attrs).map(([key, value]) => intAttribute(key, value));
    this.nodes.push(onnx.NodeProto.create({ name, opType, input: inputs, output, attribute }));
    return output;
  }

  /** An int8 or uint8 initializer (quantized weights, zero points), one byte per value. */
  bytes(name: string, dataType: number, values: Int8Array | Uint8Array, dims: number[]): string {
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    return this.initializer(name, dataType, raw, dims);
  }

  /** A float32 initializer, stored little-endian in raw_data. */
  floats(name: string, values: Float32Array, dims: number[]): string {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.initializer(name, FLOAT, bytes, dims);
  }

  /** An int64 initializer, stored little-endian in raw_data. */
  int64s(name: string, values: number[], dims: number[] = [values.length]): string {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    return this.initializer(name, INT64, bytes, dims);
  }

  /** Whether an initializer of this name exists (for sharing constants). */
  has(name: string): boolean {
    return this.initializerNames.has(name);
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Encode the graph as a complete model file. */
  encode(graphName: string, opset: number, irVersion: number): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion,
      producerName: 'rlaif-lab',
      opsetImport: [{ domain: '', version: opset }],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private initializer(name: string, dataType: number, rawData: Uint8Array, dims: number[]): string {
    if (this.initializerNames.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializerNames.add(name);
    this.initializers.push(onnx.TensorProto.create({ name, dataType, rawData, dims }));
    return name;
  }

  private uniqueName(opType: string): string {
    const base = `${this.scope}${opType}`;
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return `${base}_${n}`;
  }
}

function intAttribute(
  name: string,
  value: number | number[],
): InstanceType<typeof onnx.AttributeProto> {
  const { INT, INTS } = onnx.AttributeProto.AttributeType;
  return Array.isArray(value)
    ? onnx.AttributeProto.create({ name, type: INTS, ints: value })
    : onnx.AttributeProto.create({ name, type: INT, i: value });
}

function valueInfo(name: string, elemType: number, dims: Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim } } },
  });
}
