// The tokenizer files of a ChatML-style byte-level BPE model (like SmolLM2's): special tokens
// first, then the 256 byte symbols in byte order, then the learned merges.

import { bytesToUnicode, trainBpe, type Merge } from './bpe.ts';
import type { Json, JsonMap } from './json.ts';

/** Special tokens in id order: pad/unk, then the two ChatML markers. */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export const TOKEN_IDS = { pad: 0, bos: 1, eos: 2 };

/** ChatML; the generation prompt opens the assistant turn. */
export const CHAT_TEMPLATE =
  '{% for message in messages %}' +
  "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  '{% endfor %}' +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TokenizerFiles {
  tokenizer: Json;
  tokenizerConfig: Json;
  specialTokensMap: Json;
}

/** Train on `corpus` until the vocabulary (special + bytes + merges) has `vocabSize` entries. */
export function tokenizerFiles(
  corpus: string,
  vocabSize: number,
  maxLength: number,
): TokenizerFiles {
  const base = SPECIAL_TOKENS.length + 256;
  const merges = trainBpe(corpus, vocabSize - base);
  if (merges.length !== vocabSize - base) {
    throw new Error(`corpus gives only ${merges.length} merges; need ${vocabSize - base}`);
  }
  return {
    tokenizer: tokenizerJson(merges),
    tokenizerConfig: tokenizerConfig(vocabSize, maxLength),
    specialTokensMap: specialTokensMap(),
  };
}

function tokenizerJson(merges: Merge[]): Json {
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, ...addedToken(content) })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabulary(merges),
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
}

/** token -> id, in id order (a Map, so integer-like tokens such as "1" keep their place). */
function vocabulary(merges: Merge[]): JsonMap {
  const vocab: JsonMap = new Map();
  for (const token of [...SPECIAL_TOKENS, ...bytesToUnicode(), ...merges.map((m) => m.join(''))]) {
    if (vocab.has(token)) throw new Error(`duplicate token ${token}`);
    vocab.set(token, vocab.size);
  }
  return vocab;
}

function addedToken(content: string): { [key: string]: Json } {
  return {
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  };
}

function tokenizerConfig(vocabSize: number, maxLength: number): Json {
  const decoder: { [id: string]: Json } = {};
  SPECIAL_TOKENS.forEach((content, id) => (decoder[String(id)] = addedToken(content)));
  return {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: SPECIAL_TOKENS[TOKEN_IDS.bos] ?? null,
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: SPECIAL_TOKENS[TOKEN_IDS.eos] ?? null,
    model_max_length: maxLength,
    pad_token: SPECIAL_TOKENS[TOKEN_IDS.pad] ?? null,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: SPECIAL_TOKENS[TOKEN_IDS.pad] ?? null,
    vocab_size: vocabSize,
  };
}

function specialTokensMap(): Json {
  const entry = (id: number): Json => ({
    content: SPECIAL_TOKENS[id] ?? '',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  });
  return {
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: entry(TOKEN_IDS.bos),
    eos_token: entry(TOKEN_IDS.eos),
    pad_token: entry(TOKEN_IDS.pad),
    unk_token: entry(TOKEN_IDS.pad),
  };
}
