// A small WordPiece vocabulary learner and the tokenizer files of an uncased BERT model (like
// all-MiniLM-L6-v2's): BertNormalizer (lowercase, strip accents), BertPreTokenizer, WordPiece
// with "##" continuations, and [CLS] ... [SEP] added by a TemplateProcessing post-processor.
// Learning follows Hugging Face's WordPieceTrainer, which is BPE training over symbols that
// carry "##" when they do not start a word; the vocabulary is every symbol and merge result.

import type { Json, JsonMap } from './json.ts';

/** Special tokens in id order; [PAD] = 0 as config.json's pad_token_id says. */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const BERT_TOKEN_IDS = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 };

const PREFIX = '##';

/** The punctuation class of the BertPreTokenizer in @huggingface/tokenizers and in Rust. */
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const BERT_SPLIT = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');

/**
 * Printable ASCII as the normaliser leaves it (no capitals): learned in addition to the corpus's
 * characters, so English text never meets [UNK] (the trainer's `initial_alphabet`).
 */
const ASCII_ALPHABET = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((ch) => ch.toLowerCase() === ch);

/** What BertNormalizer does to Latin text with lowercase: true and strip_accents: null. */
export function bertNormalize(text: string): string {
  const cleaned = Array.from(text)
    .filter((ch) => ch !== '\u0000' && ch !== '\ufffd' && !isControl(ch))
    .map((ch) => (/^\s$/u.test(ch) ? ' ' : ch))
    .join('');
  return cleaned
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
}

function isControl(ch: string): boolean {
  return ch !== '\t' && ch !== '\n' && ch !== '\r' && /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u.test(ch);
}

/** Words and single punctuation marks, as the BertPreTokenizer splits normalised text. */
export function bertPreTokenize(normalized: string): string[] {
  return normalized.match(BERT_SPLIT) ?? [];
}

/**
 * The vocabulary learned from `corpus`: special tokens, the alphabet (word-initial characters,
 * then their "##" forms), then merge results in the order learned. Merging continues while any
 * adjacent pair is left, so every corpus word ends up a single token.
 */
export function learnWordPieceVocab(corpus: string): string[] {
  const words = countWords(corpus);
  const vocab = new Set<string>(BERT_SPECIAL_TOKENS);
  const alphabet = new Set([...ASCII_ALPHABET, ...words.flatMap((w) => Array.from(w.text))]);
  const sorted = [...alphabet].sort();
  for (const ch of sorted) vocab.add(ch);
  // Punctuation is always split off on its own, so it never continues a word.
  for (const ch of sorted) if (/^[\p{L}\p{N}]$/u.test(ch)) vocab.add(PREFIX + ch);
  for (;;) {
    const pair = mostFrequentPair(words);
    if (pair === null) break;
    const merged = pair[0] + pair[1].slice(PREFIX.length);
    for (const word of words) word.symbols = applyMerge(word.symbols, pair, merged);
    vocab.add(merged); // a Set: two pairs may spell the same token
  }
  return [...vocab];
}

interface Word {
  text: string;
  symbols: string[];
  count: number;
}

function countWords(corpus: string): Word[] {
  const counts = new Map<string, number>();
  for (const word of bertPreTokenize(bertNormalize(corpus))) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts].map(([text, count]) => ({
    text,
    symbols: Array.from(text, (ch, i) => (i === 0 ? ch : PREFIX + ch)),
    count,
  }));
}

/** The most frequent adjacent pair; ties go to the pair that sorts first (deterministic). */
function mostFrequentPair(words: Word[]): [string, string] | null {
  const counts = new Map<string, number>();
  for (const { symbols, count } of words) {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = `${symbols[i]} ${symbols[i + 1]}`;
      counts.set(key, (counts.get(key) ?? 0) + count);
    }
  }
  let best: { key: string; count: number } | null = null;
  for (const [key, count] of counts) {
    if (best === null || count > best.count || (count === best.count && key < best.key)) {
      best = { key, count };
    }
  }
  if (best === null) return null;
  const [left = '', right = ''] = best.key.split(' ');
  return [left, right];
}

function applyMerge(symbols: string[], [left, right]: [string, string], merged: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i] ?? '');
    }
  }
  return out;
}

export interface BertTokenizerFiles {
  tokenizer: Json;
  tokenizerConfig: Json;
  specialTokensMap: Json;
  /** vocab.txt, one token a line in id order, for Python's slow BertTokenizer. */
  vocabTxt: string;
}

export function bertTokenizerFiles(vocab: string[], maxLength: number): BertTokenizerFiles {
  return {
    tokenizer: tokenizerJson(vocab),
    tokenizerConfig: tokenizerConfig(maxLength),
    specialTokensMap: specialTokensMap(),
    vocabTxt: vocab.join('\n') + '\n',
  };
}

function tokenizerJson(vocab: string[]): Json {
  const ids: JsonMap = new Map();
  vocab.forEach((token, id) => ids.set(token, id));
  const special = (token: string, typeId: number): Json => ({
    SpecialToken: { id: token, type_id: typeId },
  });
  const sequence = (id: string, typeId: number): Json => ({ Sequence: { id, type_id: typeId } });
  const specialEntry = (token: string, id: number): Json => ({
    id: token,
    ids: [id],
    tokens: [token],
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIAL_TOKENS.map((content, id) => ({ id, ...addedToken(content) })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [
        special('[CLS]', 0),
        sequence('A', 0),
        special('[SEP]', 0),
        sequence('B', 1),
        special('[SEP]', 1),
      ],
      special_tokens: {
        '[CLS]': specialEntry('[CLS]', BERT_TOKEN_IDS.cls),
        '[SEP]': specialEntry('[SEP]', BERT_TOKEN_IDS.sep),
      },
    },
    decoder: { type: 'WordPiece', prefix: PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: PREFIX,
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
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

function tokenizerConfig(maxLength: number): Json {
  const decoder: { [id: string]: Json } = {};
  BERT_SPECIAL_TOKENS.forEach((content, id) => (decoder[String(id)] = addedToken(content)));
  return {
    added_tokens_decoder: decoder,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: maxLength,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
}

function specialTokensMap(): Json {
  const entry = (content: string): Json => ({
    content,
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  });
  return {
    cls_token: entry('[CLS]'),
    mask_token: entry('[MASK]'),
    pad_token: entry('[PAD]'),
    sep_token: entry('[SEP]'),
    unk_token: entry('[UNK]'),
  };
}
