// The prompt inspector's logic: a prompt (as the labeler builds it) cut into the tokens the
// engine scores, each tagged with the prompt segment it starts in, with token counts per segment.
// Engines always run the whole text's encoding (cut into cached runs where segments end on a
// token edge); that is what we split here. A leading BOS is its own segment.
import type { TokenizerAccess } from './engine';
import { fullText, type LabelPrompt } from './prompt';

/** The prompt's cacheable parts, outermost first (see ScoreRequest). */
export const SEGMENTS = ['bos', 'dataset', 'pair', 'ending'] as const;
export type SegmentName = (typeof SEGMENTS)[number];

/** One chip: usually one token; several when one character's bytes span tokens (e.g. an emoji). */
export interface TokenPiece {
  text: string;
  ids: number[];
  segment: SegmentName;
}

export interface PromptInspection {
  text: string;
  pieces: TokenPiece[];
  /** Tokens per segment; they sum to `total`. */
  counts: Record<SegmentName, number>;
  total: number;
  /** The pieces join back to `text` (false for tokenizers that normalise text, e.g. lowercase). */
  exact: boolean;
  /** Pieces that start in one segment and end in the next: the cache there stops a token early. */
  straddling: number;
}

/** Tokens decoded before a piece, so decoders that look at neighbours (spaces, bytes) agree. */
const CONTEXT = 4;
/** Longest run of tokens merged into one piece while waiting for a character's last byte. */
const MAX_GROUP = 8;
const REPLACEMENT = '\uFFFD';

/**
 * Split `ids` into pieces whose texts join to decode(ids). Decoding each id alone loses the
 * context some decoders need (byte-level BPE splits UTF-8 characters across tokens, sentencepiece
 * strips a leading space), so each piece is the difference between decoding a short window with
 * and without it; tokens that end mid-character wait for the rest (vLLM's streaming detokenizer).
 */
export function tokenPieces(
  tok: TokenizerAccess,
  ids: readonly number[],
): Omit<TokenPiece, 'segment'>[] {
  const pieces: Omit<TokenPiece, 'segment'>[] = [];
  let from = 0;
  for (let to = 1; to <= ids.length; to++) {
    const start = Math.max(0, from - CONTEXT);
    const before = tok.decode(ids.slice(start, from));
    const after = tok.decode(ids.slice(start, to));
    const incomplete = after.endsWith(REPLACEMENT) && to < ids.length && to - from < MAX_GROUP;
    if (incomplete) continue;
    const text = after.startsWith(before)
      ? after.slice(before.length)
      : tok.decode(ids.slice(from, to));
    pieces.push({ text, ids: ids.slice(from, to) });
    from = to;
  }
  return pieces;
}

/** Which segment a character offset falls in, given where dataset, pair and ending start. */
function segmentAt(offset: number, starts: readonly [number, number, number]): SegmentName {
  if (offset < starts[0]) return 'bos';
  if (offset < starts[1]) return 'dataset';
  return offset < starts[2] ? 'pair' : 'ending';
}

/** Characters of the tokenizer's BOS at the start of `text` (raw prompts, many chat templates). */
function bosLength(text: string, tok: TokenizerAccess): number {
  const bos = tok.specialPrefix?.text;
  return bos && text.startsWith(bos) ? bos.length : 0;
}

/** Tokenize a labeling prompt and tag each token with its segment. */
export function inspectPrompt(prompt: LabelPrompt, tok: TokenizerAccess): PromptInspection {
  const text = fullText(prompt);
  const ids = tok.encode(text);
  const [dataset, pair] = prompt.prefix;
  const bos = bosLength(text, tok);
  const starts: [number, number, number] = [bos, dataset.length, dataset.length + pair.length];
  const counts: Record<SegmentName, number> = { bos: 0, dataset: 0, pair: 0, ending: 0 };
  const pieces: TokenPiece[] = [];
  let offset = 0;
  let straddling = 0;
  for (const piece of tokenPieces(tok, ids)) {
    const segment = segmentAt(offset, starts);
    const end = offset + piece.text.length;
    if (segmentAt(Math.max(offset, end - 1), starts) !== segment) straddling++;
    counts[segment] += piece.ids.length;
    pieces.push({ ...piece, segment });
    offset = end;
  }
  const exact = pieces.map((p) => p.text).join('') === text;
  return { text, pieces, counts, total: ids.length, exact, straddling };
}

/**
 * A piece's text with whitespace and invisible characters made visible, as plain text: spaces
 * "·", newlines "↵", tabs "→", and control or format characters (e.g. U+202E, which would reverse
 * the chips after it) as their code point, so no character can change how the prompt is shown.
 */
export function visibleText(text: string): string {
  return text.replace(/[\s\p{Cc}\p{Cf}]/gu, (ch) => {
    if (ch === ' ') return '·';
    if (ch === '\n') return '↵';
    if (ch === '\t') return '→';
    const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `⟨U+${code}⟩`;
  });
}

/** The model's maximum positions from an engine that exposes its config.json (ONNX engines). */
export function maxPositionsOf(engine: object): number | null {
  const config = (engine as { config?: unknown }).config;
  if (!config || typeof config !== 'object') return null;
  const max = (config as { max_position_embeddings?: unknown }).max_position_embeddings;
  return typeof max === 'number' && max > 0 ? max : null;
}
