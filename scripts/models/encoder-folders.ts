// Sentence-encoder folders in the forms published ones take, generated on demand and never
// committed: the sentence-transformers files that name the pooling (modules.json,
// 1_Pooling/config.json; all-MiniLM-L6-v2 pools mean + Normalize, bge-small-en-v1.5 CLS +
// Normalize), quantized variants beside model.onnx (model_int8.onnx, model_uint8.onnx,
// model_quantized.onnx), and all-MiniLM-L6-v2's real shape for benchmarks.
import { bertConfigJson, bertOnnx, SIGNAL, type BertConfig, type BertWeights } from './bert.ts';
import { TINY_ENCODER } from './build.ts';
import { VARIANT_FILES } from '../../src/lib/engines/onnx/model-files.ts';
import { CORPUS } from './corpus.ts';
import { toJson } from './json.ts';
import { BERT_TOKEN_IDS, bertTokenizerFiles, learnWordPieceVocab } from './wordpiece.ts';

/** all-MiniLM-L6-v2's config.json shape (vocabulary of bert-base-uncased). */
export const MINILM_SHAPE: BertConfig = {
  vocabSize: 30522,
  hiddenSize: 384,
  numLayers: 6,
  numHeads: 12,
  intermediateSize: 1536,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  padTokenId: BERT_TOKEN_IDS.pad,
};

/** The tiny encoder's shape (its vocabulary learned from the corpus). */
export const TINY_SHAPE = TINY_ENCODER;

export interface SentenceTransformersSpec {
  pooling: 'mean' | 'cls';
  /** Lists a Normalize module in modules.json. */
  normalize: boolean;
}

/** modules.json and 1_Pooling/config.json as sentence-transformers saves them. */
export function sentenceTransformersFiles(
  spec: SentenceTransformersSpec,
  dim: number,
): Map<string, Uint8Array> {
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ...(spec.normalize
      ? [{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }]
      : []),
  ];
  const pooling = {
    word_embedding_dimension: dim,
    pooling_mode_cls_token: spec.pooling === 'cls',
    pooling_mode_mean_tokens: spec.pooling === 'mean',
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: false,
    include_prompt: true,
  };
  const text = (value: Parameters<typeof toJson>[0]) => new TextEncoder().encode(toJson(value));
  return new Map([
    ['modules.json', text(modules)],
    ['1_Pooling/config.json', text(pooling)],
  ]);
}

/** transformers.js file names of the variants this generator writes. */
export const WEIGHT_FILES: Record<BertWeights, string> = {
  fp32: VARIANT_FILES.fp32,
  int8: VARIANT_FILES.int8,
  uint8: VARIANT_FILES.uint8,
};

export interface EncoderFolderOptions {
  /** The shape without the vocabulary size (from the learned WordPiece unless given). */
  shape: Omit<BertConfig, 'vocabSize'> & { vocabSize?: number };
  seed: number;
  weights: readonly BertWeights[];
  /** Adds modules.json and 1_Pooling/config.json; none: a folder that does not say. */
  sentenceTransformers?: SentenceTransformersSpec;
  /** Declare token_type_ids in the graphs (default true). */
  tokenTypeIds?: boolean;
  /** Also write model_quantized.onnx, a copy of this variant (as published folders do). */
  quantizedAs?: Exclude<BertWeights, 'fp32'>;
}

/**
 * A whole folder by path. A vocabulary larger than the learned one is padded with [unusedN]
 * tokens (as BERT's is), so tokenizer and config agree on its size.
 */
export function encoderFolderFiles(options: EncoderFolderOptions): Map<string, Uint8Array> {
  const learned = learnWordPieceVocab(CORPUS);
  const size = options.shape.vocabSize ?? learned.length;
  if (size < learned.length) throw new Error(`vocabulary ${size} < learned ${learned.length}`);
  const vocab = [
    ...learned,
    ...Array.from({ length: size - learned.length }, (_, i) => `[unused${i}]`),
  ];
  const cfg: BertConfig = { ...options.shape, vocabSize: vocab.length };
  const tok = bertTokenizerFiles(vocab, cfg.maxPositions);
  const idsOf = (words: readonly string[]) => words.map((word) => vocab.indexOf(word));
  const signal = {
    dimension: SIGNAL.dimension,
    amplitude: SIGNAL.amplitude,
    positiveIds: idsOf(SIGNAL.positive),
    negativeIds: idsOf(SIGNAL.negative),
  };
  const text = (value: string) => new TextEncoder().encode(value);
  const files = new Map<string, Uint8Array>([
    ['config.json', text(toJson(bertConfigJson(cfg, SIGNAL)))],
    ['special_tokens_map.json', text(toJson(tok.specialTokensMap))],
    ['tokenizer.json', text(toJson(tok.tokenizer))],
    ['tokenizer_config.json', text(toJson(tok.tokenizerConfig))],
    ['vocab.txt', text(tok.vocabTxt)],
  ]);
  for (const weights of options.weights) {
    const graph = bertOnnx(cfg, options.seed, signal, {
      weights,
      tokenTypeIds: options.tokenTypeIds ?? true,
    });
    files.set(`onnx/${WEIGHT_FILES[weights]}`, graph);
  }
  const copied = options.quantizedAs && files.get(`onnx/${WEIGHT_FILES[options.quantizedAs]}`);
  if (copied) files.set('onnx/model_quantized.onnx', copied);
  const st = options.sentenceTransformers;
  if (st)
    for (const [path, bytes] of sentenceTransformersFiles(st, cfg.hiddenSize))
      files.set(path, bytes);
  return files;
}

/** fetch() over an in-memory folder: URLs under `base` map to its files, others 404. */
export function folderFetch(base: string, files: ReadonlyMap<string, Uint8Array>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const bytes = url.startsWith(base) ? files.get(url.slice(base.length)) : undefined;
    if (!bytes) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(bytes), {
      headers: { 'Content-Length': String(bytes.length) },
    });
  }) as typeof fetch;
}
