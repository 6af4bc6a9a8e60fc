// A Hugging Face tokenizer.json, loaded with @huggingface/tokenizers (the tokenizer of
// transformers.js), behind the core's TokenizerAccess. Every engine that reads HF-format
// tokenizers (onnxruntime-web models, and web-llm models, whose folders ship tokenizer.json) uses it.
import { Tokenizer } from '@huggingface/tokenizers';
import type { SpecialPrefix, TokenizerAccess } from '../rlaif/engine';

export interface HfTokenizer extends TokenizerAccess {
  /** The token strings of an encoding, for the prompt inspector. */
  tokens(text: string): string[];
  idToToken(id: number): string | undefined;
  /** What the post-processor adds in front by default (BOS for Llama 2, Gemma); never an EOS. */
  readonly specialPrefix: SpecialPrefix;
}

export class TokenizerLoadError extends Error {
  constructor(cause: unknown) {
    super(`Tokenizer error: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TokenizerLoadError';
  }
}

export interface TokenizerOptions {
  /**
   * Let the tokenizer's post-processor add its special tokens ([CLS] ... [SEP] for BERT). Off by
   * default: the core builds LLM prompts itself. Sentence encoders were trained with them, so on.
   */
  addSpecialTokens?: boolean;
}

export function loadTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object = {},
  options: TokenizerOptions = {},
): HfTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (error) {
    throw new TokenizerLoadError(error);
  }
  const vocabSize = tokenizer.get_vocab(true).size;
  // The core builds prompts itself (chat template included): never add BOS/EOS implicitly.
  const plain = { add_special_tokens: options.addSpecialTokens ?? false };
  // Word-level models return no id for unknown words; give them the unknown token's id instead.
  const unk = unknownId(tokenJsonModel(tokenizerJson), tokenizer);
  const encode = (text: string) =>
    tokenizer.encode(text, plain).ids.map((id) => {
      if (id !== undefined) return id;
      if (unk === undefined) throw new TokenizerLoadError(`cannot encode ${JSON.stringify(text)}`);
      return unk;
    });
  return {
    vocabSize,
    specialPrefix: specialPrefixOf(tokenizer, tokenizerConfig, encode),
    encode,
    decode: (ids) => (ids.length ? tokenizer.decode(ids, { skip_special_tokens: false }) : ''),
    tokens: (text) => tokenizer.encode(text, plain).tokens,
    idToToken: (id) => tokenizer.id_to_token(id),
  };
}

function tokenJsonModel(json: object): { unk_token?: unknown } {
  const model = (json as { model?: unknown }).model;
  return model && typeof model === 'object' ? (model as { unk_token?: unknown }) : {};
}

function unknownId(model: { unk_token?: unknown }, tokenizer: Tokenizer): number | undefined {
  return typeof model.unk_token === 'string' ? tokenizer.token_to_id(model.unk_token) : undefined;
}

/** Any short text: the post-processor's additions are what surrounds its plain encoding. */
const PROBE = 'a';

/**
 * The tokens Hugging Face's default encode (add_special_tokens=True) puts before the text, read
 * off the post-processor itself. An explicit add_bos_token: false turns them off, as Python's
 * Llama and Gemma tokenizers rebuild their post-processor from it. Suffixes (EOS) are never used:
 * the token after a scored prompt is the one we read.
 */
function specialPrefixOf(
  tokenizer: Tokenizer,
  config: object,
  encode: (text: string) => number[],
): SpecialPrefix {
  const none: SpecialPrefix = { ids: [], tokens: [], text: null };
  if ((config as { add_bos_token?: unknown }).add_bos_token === false) return none;
  const plain = tokenizer.encode(PROBE, { add_special_tokens: false }).ids;
  const full = tokenizer.encode(PROBE, { add_special_tokens: true });
  const at = indexOfRun(full.ids, plain);
  if (at <= 0) return none;
  const ids = full.ids.slice(0, at);
  const tokens = full.tokens.slice(0, at);
  // Raw prompts carry the prefix as text, so it must encode back to exactly these ids.
  const text = tokens.join('');
  const exact = sameIds(encode(text), ids);
  return { ids, tokens, text: exact ? text : null };
}

function indexOfRun(haystack: number[], run: number[]): number {
  for (let i = 0; i + run.length <= haystack.length; i++) {
    if (sameIds(haystack.slice(i, i + run.length), run)) return i;
  }
  return -1;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
