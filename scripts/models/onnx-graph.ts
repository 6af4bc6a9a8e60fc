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
export const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
export const INT8 = onnx.TensorProto.DataType.INT8;
export const UINT8 = onnx.TensorProto.DataType.UINT8;

/** A model whose weights sit in data files beside it, as big exports ship (model.onnx_data, ...). */
export interface ExternalModel {
  graph: Uint8Array;
  /** By file name: X.onnx_data, X.onnx_data_1, ... */
  data: Map<string, Uint8Array>;
}

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
  /** Whether a com.microsoft contrib op was added (its opset is then imported). */
  private contrib = false;
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

  /** A com.microsoft contrib op with several outputs, named by the caller. */
  msOp(opType: string, inputs: string[], attrs: Attrs, outputs: string[]): string[] {
    const name = this.uniqueName(opType);
    const attribute = Object.entries(attrs).map(([key, value]) => intAttribute(key, value));
    const domain = 'com.microsoft';
    this.nodes.push(
      onnx.NodeProto.create({ name, opType, domain, input: inputs, output: outputs, attribute }),
    );
    this.contrib = true;
    return outputs;
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
    return this.encodeWith(this.initializers, graphName, opset, irVersion);
  }

  /**
   * Encode the graph as `file` plus `chunks` data files holding every initializer over 1 kB,
   * split by size: each tensor's location, offset and length go in its TensorProto.
   */
  encodeExternal(
    file: string,
    chunks: number,
    graphName: string,
    opset: number,
    irVersion: number,
  ): ExternalModel {
    const big = this.initializers.filter((t) => t.rawData.length > 1024);
    const total = big.reduce((sum, t) => sum + t.rawData.length, 0);
    const parts: Uint8Array[][] = Array.from({ length: chunks }, () => []);
    const sizes = new Array<number>(chunks).fill(0);
    let written = 0;
    const initializers = this.initializers.map((t) => {
      if (!big.includes(t)) return t;
      const chunk = Math.min(chunks - 1, Math.floor((written * chunks) / total));
      written += t.rawData.length;
      const location = `${file}_data${chunk ? `_${chunk}` : ''}`;
      const entry = (key: string, value: string | number) => ({ key, value: String(value) });
      const moved = onnx.TensorProto.create({
        name: t.name,
        dataType: t.dataType,
        dims: t.dims,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          entry('location', location),
          entry('offset', sizes[chunk]!),
          entry('length', t.rawData.length),
        ],
      });
      parts[chunk]!.push(t.rawData);
      sizes[chunk]! += t.rawData.length;
      return moved;
    });
    const data = new Map(
      parts.map((bytes, i) => [`${file}_data${i ? `_${i}` : ''}`, concat(bytes, sizes[i]!)]),
    );
    return { graph: this.encodeWith(initializers, graphName, opset, irVersion), data };
  }

  private encodeWith(
    initializer: TensorProto[],
    graphName: string,
    opset: number,
    irVersion: number,
  ): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: graphName,
      node: this.nodes,
      initializer,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion,
      producerName: 'rlaif-lab',
      opsetImport: [
        { domain: '', version: opset },
        ...(this.contrib ? [{ domain: 'com.microsoft', version: 1 }] : []),
      ],
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

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
