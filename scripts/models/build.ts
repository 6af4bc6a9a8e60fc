// Builds models/tiny-llama/: a tiny Llama with random weights in the Hugging Face /
// transformers.js folder layout, so the loading code can be tested where no weights download.
// Also builds models/tiny-encoder/: a tiny BERT sentence encoder in the same layout.
// Usage: npx tsx scripts/models/build.ts [outDir]   (default: models/)

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bertConfigJson, bertOnnx, SIGNAL, type BertConfig } from './bert.ts';
import { CORPUS } from './corpus.ts';
import { toJson } from './json.ts';
import { configJson, llamaOnnx, type LlamaConfig } from './llama.ts';
import { TOKEN_IDS, tokenizerFiles } from './tokenizer.ts';
import { BERT_TOKEN_IDS, bertTokenizerFiles, learnWordPieceVocab } from './wordpiece.ts';

export const MODEL_NAME = 'tiny-llama';
export const SEED = 20240613;

/** Grouped-query attention with 4 query heads sharing 2 kv heads, as in SmolLM2 and Qwen2. */
export const TINY_LLAMA: LlamaConfig = {
  vocabSize: 512,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositions: 4096,
};

/** Every file of the model folder, by path relative to the folder. */
export function tinyLlamaFiles(): Map<string, Uint8Array> {
  const cfg = TINY_LLAMA;
  const tok = tokenizerFiles(CORPUS, cfg.vocabSize, cfg.maxPositions);
  const text = (value: Parameters<typeof toJson>[0]): Uint8Array =>
    new TextEncoder().encode(toJson(value));
  const generation = {
    bos_token_id: TOKEN_IDS.bos,
    eos_token_id: TOKEN_IDS.eos,
    pad_token_id: TOKEN_IDS.pad,
  };
  return new Map([
    ['config.json', text(configJson(cfg, TOKEN_IDS))],
    ['generation_config.json', text(generation)],
    ['special_tokens_map.json', text(tok.specialTokensMap)],
    ['tokenizer.json', text(tok.tokenizer)],
    ['tokenizer_config.json', text(tok.tokenizerConfig)],
    ['onnx/model.onnx', llamaOnnx(cfg, SEED)],
  ]);
}

/** Write the folder `<outDir>/tiny-llama/` and return its path. */
export function writeTinyLlama(outDir: string): string {
  return writeFolder(join(outDir, MODEL_NAME), tinyLlamaFiles());
}

export const ENCODER_NAME = 'tiny-encoder';
const ENCODER_SEED = 20240614;

/** all-MiniLM-L6-v2's shape, shrunk; the vocabulary size comes from the learned WordPiece. */
export const TINY_ENCODER: Omit<BertConfig, 'vocabSize'> = {
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 128,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  padTokenId: BERT_TOKEN_IDS.pad,
};

/** Every file of the encoder folder, by path relative to the folder. */
export function tinyEncoderFiles(): Map<string, Uint8Array> {
  const vocab = learnWordPieceVocab(CORPUS);
  const cfg: BertConfig = { ...TINY_ENCODER, vocabSize: vocab.length };
  const tok = bertTokenizerFiles(vocab, cfg.maxPositions);
  const idsOf = (words: readonly string[]): number[] =>
    words.map((word) => {
      const id = vocab.indexOf(word);
      if (id < 0) throw new Error(`signal word ${word} is not a single token`);
      return id;
    });
  const signal = {
    dimension: SIGNAL.dimension,
    amplitude: SIGNAL.amplitude,
    positiveIds: idsOf(SIGNAL.positive),
    negativeIds: idsOf(SIGNAL.negative),
  };
  const encode = (value: string): Uint8Array => new TextEncoder().encode(value);
  return new Map([
    ['config.json', encode(toJson(bertConfigJson(cfg, SIGNAL)))],
    ['special_tokens_map.json', encode(toJson(tok.specialTokensMap))],
    ['tokenizer.json', encode(toJson(tok.tokenizer))],
    ['tokenizer_config.json', encode(toJson(tok.tokenizerConfig))],
    ['vocab.txt', encode(tok.vocabTxt)],
    ['onnx/model.onnx', bertOnnx(cfg, ENCODER_SEED, signal)],
  ]);
}

/** Write the folder `<outDir>/tiny-encoder/` and return its path. */
export function writeTinyEncoder(outDir: string): string {
  return writeFolder(join(outDir, ENCODER_NAME), tinyEncoderFiles());
}

function writeFolder(folder: string, files: Map<string, Uint8Array>): string {
  for (const [path, bytes] of files) {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return folder;
}

const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const outDir = process.argv[2] ?? 'models';
  console.log(`wrote ${writeTinyLlama(outDir)}`);
  console.log(`wrote ${writeTinyEncoder(outDir)}`);
}
