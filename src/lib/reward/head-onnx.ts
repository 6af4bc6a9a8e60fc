// The trained head as a standard ONNX graph, and back. The graph is the head's forward pass,
// operator for operator, so any ONNX tool (onnxruntime, Netron, Python) can run or inspect it:
//
//   features [batch, 3d] -> MatMul W1 [3d, h] -> Add b1 -> Tanh -> MatMul w2 [h, 1]
//                        -> Squeeze(axis 1) -> reward [batch]
//
// Weights are stored as float32, the precision onnxruntime computes in. Built with onnx-proto's
// message classes (pure JavaScript), so the browser can export without any server.
import onnxProto from 'onnx-proto';
import { RewardFormatError } from './errors';
import { featureDim, type Head } from './head';

// onnx-proto is CommonJS without named exports that Node can detect; take its default export.
const { onnx } = onnxProto;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ModelProto = InstanceType<typeof onnx.ModelProto>;

export const HEAD_INPUT = 'features';
export const HEAD_OUTPUT = 'reward';
/** Opset 13: Squeeze takes its axes as an input; run by every onnxruntime of the last years. */
const OPSET = 13;
const IR_VERSION = 7;
const OPS = ['MatMul', 'Add', 'Tanh', 'MatMul', 'Squeeze'];
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A float32 weight (ONNX raw_data is little-endian). */
export function floatTensor(name: string, values: ArrayLike<number>, dims: number[]): TensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? NaN, true);
  return onnx.TensorProto.create({ name, dataType: FLOAT, rawData: bytes, dims });
}

export function int64Tensor(name: string, values: number[]): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return onnx.TensorProto.create({ name, dataType: INT64, rawData: bytes, dims: [values.length] });
}

/** A graph input or output: its name, shape (numbers or named dims) and element type. */
export function valueInfo(name: string, dims: (number | string)[], elemType: number = FLOAT) {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

/** The head as ONNX model bytes; `metadata` goes into the model's metadata_props. */
export function headToOnnx(head: Head, metadata: Record<string, string> = {}): Uint8Array {
  const input = featureDim(head.embedDim);
  const node = (opType: string, inputs: string[], output: string) =>
    onnx.NodeProto.create({ name: `/head/${output}`, opType, input: inputs, output: [output] });
  const graph = onnx.GraphProto.create({
    name: 'reward_head',
    node: [
      node('MatMul', [HEAD_INPUT, 'W1'], 'pre_bias'),
      node('Add', ['pre_bias', 'b1'], 'pre_activation'),
      node('Tanh', ['pre_activation'], 'hidden'),
      node('MatMul', ['hidden', 'w2'], 'reward_column'),
      node('Squeeze', ['reward_column', 'squeeze_axes'], HEAD_OUTPUT),
    ],
    initializer: [
      floatTensor('W1', head.W1, [input, head.hidden]),
      floatTensor('b1', head.b1, [head.hidden]),
      floatTensor('w2', head.w2, [head.hidden, 1]),
      int64Tensor('squeeze_axes', [1]),
    ],
    input: [valueInfo(HEAD_INPUT, ['batch', input])],
    output: [valueInfo(HEAD_OUTPUT, ['batch'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'rlaif-lab',
    docString:
      'RLAIF Lab reward head: reward = w2 . tanh(W1^T features + b1), features = ' +
      '[e(context), e(response), e(context) * e(response)] from a frozen sentence encoder.',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** What a head file holds: its sizes, its metadata, and its weights widened to float64. */
export interface HeadGraph {
  inputDim: number;
  head: Head;
  metadata: Record<string, string>;
}

const toNumber = (v: number | { toNumber(): number } | null | undefined): number =>
  v === null || v === undefined ? NaN : typeof v === 'number' ? v : v.toNumber();

function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new RewardFormatError(
      'not-onnx',
      `The head file is not an ONNX model (${error instanceof Error ? error.message : error}).`,
    );
  }
  // Protobuf decodes many byte strings without complaint; a real model names its opset and graph.
  if (!model.graph || !model.opsetImport.length || !toNumber(model.irVersion)) {
    throw new RewardFormatError('not-onnx', 'The head file is not an ONNX model (no graph).');
  }
  return model;
}

function notHead(why: string): RewardFormatError {
  return new RewardFormatError(
    'not-reward-head',
    `This ONNX model is not an RLAIF Lab reward head: ${why}.`,
  );
}

function floatsOf(tensor: TensorProto | undefined, name: string, dims: number[]): Float64Array {
  const shape = tensor?.dims.map(toNumber) ?? [];
  if (!tensor || tensor.dataType !== FLOAT || shape.join() !== dims.join()) {
    throw notHead(`weight ${name} should be float32 [${dims}], found [${shape}]`);
  }
  const raw = tensor.rawData;
  const values = new Float64Array(dims.reduce((a, b) => a * b, 1));
  if (raw.byteLength === values.length * 4) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  } else if (tensor.floatData.length === values.length) {
    values.set(tensor.floatData);
  } else {
    throw notHead(`weight ${name} holds the wrong number of values`);
  }
  return values;
}

/** Read and check a head file: right names, right operators, weight shapes that agree. */
export function readHeadOnnx(bytes: Uint8Array): HeadGraph {
  const model = decodeModel(bytes);
  const graph = model.graph as NonNullable<ModelProto['graph']>;
  const graphInputs = graph.input ?? [];
  const weights = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t as TensorProto]));
  const inputs = graphInputs.map((i) => i.name ?? '').filter((name) => !weights.has(name));
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  if (inputs.join() !== HEAD_INPUT || outputs.join() !== HEAD_OUTPUT) {
    throw notHead(
      `expected input "${HEAD_INPUT}" and output "${HEAD_OUTPUT}", found inputs ` +
        `[${inputs.join(', ')}] and outputs [${outputs.join(', ')}]`,
    );
  }
  const ops = (graph.node ?? []).map((n) => n.opType);
  if (ops.join() !== OPS.join()) throw notHead(`expected operators ${OPS}, found ${ops}`);
  const shape = graphInputs.find((i) => i.name === HEAD_INPUT)?.type?.tensorType?.shape?.dim ?? [];
  const inputDim = toNumber(shape[1]?.dimValue);
  if (shape.length !== 2 || !(inputDim > 0) || inputDim % 3 !== 0) {
    throw new RewardFormatError(
      'dims',
      `The head's input "${HEAD_INPUT}" should be [batch, 3d]; its declared width is ${inputDim}.`,
    );
  }
  const hidden = toNumber(weights.get('b1')?.dims[0]);
  if (!(hidden > 0)) throw notHead('no bias b1 to read the hidden width from');
  const head: Head = {
    embedDim: inputDim / 3,
    hidden,
    W1: floatsOf(weights.get('W1'), 'W1', [inputDim, hidden]),
    b1: floatsOf(weights.get('b1'), 'b1', [hidden]),
    w2: floatsOf(weights.get('w2'), 'w2', [hidden, 1]),
  };
  const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
  return { inputDim, head, metadata };
}
