// The whole reward model as one ONNX file: the frozen encoder, run once on the context and once
// on the response, the manifest's pooling (mean or CLS, unit length or not), the features and
// the trained head, so any ONNX runtime turns token ids into a reward with no code of ours:
//
//   context_input_ids, context_attention_mask   -> encoder -> mean | CLS -> L2? -> e(x)
//   response_input_ids, response_attention_mask -> encoder -> mean | CLS -> L2? -> e(y)
//   concat(e(x), e(y), e(x) * e(y)) -> MatMul W1 -> Add b1 -> Tanh -> MatMul w2 -> reward [batch]
//
// The two encoder copies share one set of weights (initializers are not duplicated). The file
// carries the manifest and the tokenizer in its metadata, so it is complete on its own, and the
// app can read the head back out of it. Pooling uses MatMul, Gather, Div and Reshape only, whose
// meaning is the same in every opset an encoder may have been exported with.
import onnxProto from 'onnx-proto';
import { RewardFormatError } from './errors';
import { FEATURES, parseManifest, type RewardManifest } from './export';
import type { PoolingSpec } from './pooling';
import type { Head } from './head';
import { floatTensor, headToOnnx, int64Tensor, valueInfo } from './head-onnx';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type AnyTensor = TensorProto | onnxProto.onnx.ITensorProto;
type GraphProto = InstanceType<typeof onnx.GraphProto>;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export const COMBINED_INPUTS = [
  'context_input_ids',
  'context_attention_mask',
  'response_input_ids',
  'response_attention_mask',
] as const;
export const COMBINED_OUTPUT = 'reward';
export const COMBINED_FILE = 'reward-model.onnx';
export const META_MANIFEST = 'rlaif_lab.manifest';
export const META_TOKENIZER = 'rlaif_lab.tokenizer';
export const META_TOKENIZER_CONFIG = 'rlaif_lab.tokenizer_config';
/** The head's weights inside the combined graph. */
const HEAD_WEIGHTS = { W1: 'rm/head/W1', b1: 'rm/head/b1', w2: 'rm/head/w2' } as const;

export interface CombineInput {
  /** The encoder's model.onnx (weights inside the file: external data cannot be combined). */
  encoder: Uint8Array;
  /** tokenizer.json (and tokenizer_config.json when there is one), stored as metadata. */
  tokenizer: string;
  tokenizerConfig?: string;
  manifestJson: string;
  head: Head;
}

function node(
  opType: string,
  input: string[],
  output: string,
  attribute: Record<string, number | number[]> = {},
): NodeProto {
  const attrs = Object.entries(attribute).map(([name, v]) =>
    Array.isArray(v)
      ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
      : { name, type: onnx.AttributeProto.AttributeType.INT, i: v },
  );
  return onnx.NodeProto.create({ name: output, opType, input, output: [output], attribute: attrs });
}

function decode(bytes: Uint8Array, what: string): ModelProto {
  try {
    const model = onnx.ModelProto.decode(bytes);
    if (model.graph) return model;
  } catch {
    // reported below
  }
  throw new RewardFormatError('not-onnx', `${what} is not an ONNX model.`);
}

/**
 * One copy of the encoder's nodes with every computed value renamed under `prefix`; graph inputs
 * map to `inputs`, weights keep their names (both copies read the same ones).
 */
function encoderCopy(graph: GraphProto, prefix: string, inputs: Record<string, string>) {
  const weights = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const rename = (name: string) =>
    name === '' || weights.has(name) ? name : (inputs[name] ?? `${prefix}${name}`);
  return (graph.node ?? []).map((n) => {
    if ((n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length)) {
      throw new RewardFormatError(
        'not-onnx',
        `The encoder uses control flow (${n.opType}); export the reward model as a folder instead.`,
      );
    }
    return onnx.NodeProto.create({
      ...n,
      name: `${prefix}${n.name ?? ''}`,
      input: (n.input ?? []).map(rename),
      output: (n.output ?? []).map(rename),
    });
  });
}

/** Mean over real tokens ([b, 1, d]): the mask as a row vector times the hidden states. */
function meanNodes(hidden: string, mask: string, out: string, p: string): NodeProto[] {
  return [
    node('Cast', [mask], `${p}mask_f`, { to: FLOAT }),
    node('Reshape', [`${p}mask_f`, 'rm/shape_row'], `${p}mask_row`), // [b, 1, s]
    node('Reshape', [`${p}mask_f`, 'rm/shape_col'], `${p}mask_col`), // [b, s, 1]
    node('MatMul', [`${p}mask_row`, hidden], `${p}sum`), // sum over real tokens [b, 1, d]
    node('MatMul', [`${p}mask_row`, `${p}mask_col`], `${p}count`), // number of real tokens
    node('Div', [`${p}sum`, `${p}count`], out),
  ];
}

/** Pooling as SentenceEncoder does it: [b, s, d] -> [b, d]. */
function poolNodes(
  hidden: string,
  mask: string,
  out: string,
  p: string,
  spec: PoolingSpec,
): NodeProto[] {
  const pooled = `${p}pooled`;
  const nodes =
    spec.pooling === 'cls'
      ? [node('Gather', [hidden, 'rm/first'], pooled, { axis: 1 })] // [CLS]: position 0, [b, 1, d]
      : meanNodes(hidden, mask, pooled, p);
  if (spec.normalize === 'none') return [...nodes, node('Reshape', [pooled, 'rm/shape_flat'], out)];
  return [
    ...nodes,
    node('Transpose', [pooled], `${p}pooled_t`, { perm: [0, 2, 1] }),
    node('MatMul', [pooled, `${p}pooled_t`], `${p}sq_norm`),
    node('Sqrt', [`${p}sq_norm`], `${p}norm`),
    node('Max', [`${p}norm`, 'rm/eps'], `${p}norm_floor`), // a zero vector stays zero
    node('Div', [pooled, `${p}norm_floor`], `${p}unit`),
    node('Reshape', [`${p}unit`, 'rm/shape_flat'], out), // [b, d]
  ];
}

/** Encoder + pooling + features + head in one ONNX model. */
export function combineRewardModel(input: CombineInput): Uint8Array {
  const manifest = parseManifest(input.manifestJson);
  const { head } = input;
  const encoder = decode(input.encoder, "The encoder's model.onnx");
  const graph = encoder.graph as GraphProto;
  if ((graph.initializer ?? []).some((t) => (t.externalData ?? []).length)) {
    throw new RewardFormatError(
      'not-onnx',
      'The encoder keeps its weights in an external data file; export the reward model as a folder.',
    );
  }
  const names = (graph.input ?? []).map((i) => i.name ?? '');
  const sides = [
    ['context', 'rm/ctx/'],
    ['response', 'rm/rsp/'],
  ] as const;
  const nodes: NodeProto[] = [];
  for (const [side, prefix] of sides) {
    const map: Record<string, string> = {
      input_ids: `${side}_input_ids`,
      attention_mask: `${side}_attention_mask`,
      token_type_ids: `${prefix}token_type_ids`,
    };
    // One segment: every token type is 0 (ids times zero keeps the shape and the type).
    if (names.includes('token_type_ids')) {
      nodes.push(node('Mul', [`${side}_input_ids`, 'rm/zero_i64'], `${prefix}token_type_ids`));
    }
    nodes.push(...encoderCopy(graph, prefix, map));
    const side_ = side === 'context' ? 'x' : 'y';
    nodes.push(
      ...poolNodes(
        `${prefix}last_hidden_state`,
        map.attention_mask!,
        `rm/e_${side_}`,
        prefix,
        manifest.encoder,
      ),
    );
  }
  nodes.push(
    node('Mul', ['rm/e_x', 'rm/e_y'], 'rm/e_xy'),
    node('Concat', ['rm/e_x', 'rm/e_y', 'rm/e_xy'], 'rm/features', { axis: 1 }),
    node('MatMul', ['rm/features', HEAD_WEIGHTS.W1], 'rm/pre_bias'),
    node('Add', ['rm/pre_bias', HEAD_WEIGHTS.b1], 'rm/pre_activation'),
    node('Tanh', ['rm/pre_activation'], 'rm/hidden'),
    node('MatMul', ['rm/hidden', HEAD_WEIGHTS.w2], 'rm/reward_column'),
    node('Reshape', ['rm/reward_column', 'rm/shape_reward'], COMBINED_OUTPUT),
  );
  const inputDim = 3 * head.embedDim;
  const combined = onnx.GraphProto.create({
    name: 'rlaif_lab_reward_model',
    node: nodes,
    initializer: [
      ...(graph.initializer ?? []),
      int64Tensor('rm/shape_row', [0, 1, -1]),
      int64Tensor('rm/shape_col', [0, -1, 1]),
      int64Tensor('rm/shape_flat', [0, -1]),
      int64Tensor('rm/shape_reward', [-1]),
      int64Tensor('rm/first', [0]),
      onnx.TensorProto.create({ name: 'rm/zero_i64', dataType: INT64, int64Data: [0], dims: [] }),
      floatTensor('rm/eps', [1e-12], []),
      floatTensor(HEAD_WEIGHTS.W1, head.W1, [inputDim, head.hidden]),
      floatTensor(HEAD_WEIGHTS.b1, head.b1, [head.hidden]),
      floatTensor(HEAD_WEIGHTS.w2, head.w2, [head.hidden, 1]),
    ],
    input: COMBINED_INPUTS.map((name) => valueInfo(name, ['batch', `${name}_length`], INT64)),
    output: [valueInfo(COMBINED_OUTPUT, ['batch'], FLOAT)],
  });
  const metadata: Record<string, string> = {
    [META_MANIFEST]: input.manifestJson,
    [META_TOKENIZER]: input.tokenizer,
    ...(input.tokenizerConfig ? { [META_TOKENIZER_CONFIG]: input.tokenizerConfig } : {}),
  };
  const model = onnx.ModelProto.create({
    irVersion: encoder.irVersion,
    opsetImport: encoder.opsetImport,
    producerName: 'rlaif-lab',
    docString:
      `RLAIF Lab reward model on ${manifest.encoder.modelId}: token ids (with special tokens, at ` +
      `most ${manifest.encoder.maxLength}) of a context and a response -> reward. The tokenizer ` +
      `is in the metadata under ${META_TOKENIZER}; features = ${FEATURES}.`,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: combined,
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface CombinedRewardModel {
  manifest: RewardManifest;
  manifestJson: string;
  /** head.onnx rebuilt from the combined file's weights: byte-identical to the exported one. */
  head: Uint8Array;
  tokenizer: string;
  tokenizerConfig?: string;
}

function floats(tensor: AnyTensor | undefined, length: number, name: string): Float64Array {
  const raw = tensor?.rawData;
  if (!raw || raw.byteLength !== length * 4) {
    throw new RewardFormatError('dims', `The combined model's head weight ${name} is malformed.`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float64Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

/** Read a combined file back into the manifest + head the app opens (and the tokenizer). */
export function readCombinedRewardModel(bytes: Uint8Array): CombinedRewardModel {
  const model = decode(bytes, 'The file');
  const meta = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const manifestJson = meta.get(META_MANIFEST);
  const tokenizer = meta.get(META_TOKENIZER);
  if (!manifestJson || !tokenizer) {
    throw new RewardFormatError(
      'not-reward-head',
      `This ONNX model is not an RLAIF Lab reward model (no ${META_MANIFEST} in its metadata).`,
    );
  }
  const manifest = parseManifest(manifestJson);
  const weights = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const { inputDim, hidden } = manifest.head;
  const head: Head = {
    embedDim: manifest.encoder.dim,
    hidden,
    W1: floats(weights.get(HEAD_WEIGHTS.W1), inputDim * hidden, 'W1'),
    b1: floats(weights.get(HEAD_WEIGHTS.b1), hidden, 'b1'),
    w2: floats(weights.get(HEAD_WEIGHTS.w2), hidden, 'w2'),
  };
  // The same metadata exportRewardModel writes, so the rebuilt bytes match the manifest's hash.
  const headBytes = headToOnnx(head, {
    'rlaif_lab.features': FEATURES,
    'rlaif_lab.encoder': manifest.encoder.modelId,
    'rlaif_lab.encoder_fingerprint': manifest.encoder.fingerprint,
  });
  const tokenizerConfig = meta.get(META_TOKENIZER_CONFIG);
  return {
    manifest,
    manifestJson,
    head: headBytes,
    tokenizer,
    ...(tokenizerConfig ? { tokenizerConfig } : {}),
  };
}
