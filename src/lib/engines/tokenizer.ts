// A Hugging Face tokenizer.json, loaded with @huggingface/tokenizers (the tokenizer of
// transformers.js), behind the core's TokenizerAccess. Every engine that reads HF-format
// tokenizers (onnxruntime-web models, and web-llm models, whose folders ship tokenizer.json) uses it.
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizerAccess } from '../rlaif/engine';

export interface HfTokenizer extends TokenizerAccess {
  /** The token strings of an encoding, for the prompt inspector. */
  tokens(text: string): string[];
  idToToken(id: number): string | undefined;
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
