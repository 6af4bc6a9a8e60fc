// Builds models/tiny-llama/: a tiny Llama with random weights in the Hugging Face /
// transformers.js folder layout, so the loading code can be tested where no weights download.
// Usage: npx tsx scripts/models/build.ts [outDir]   (default: models/)

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CORPUS } from './corpus.ts';
import { toJson } from './json.ts';
import { configJson, llamaOnnx, type LlamaConfig } from './llama.ts';
import { TOKEN_IDS, tokenizerFiles } from './tokenizer.ts';

export const MODEL_NAME = 'tiny-llama';
const SEED = 20240613;

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
  maxPositions: 2048,
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
  const folder = join(outDir, MODEL_NAME);
  for (const [path, bytes] of tinyLlamaFiles()) {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return folder;
}

const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const folder = writeTinyLlama(process.argv[2] ?? 'models');
  console.log(`wrote ${folder}`);
}
