// A small byte-level BPE trainer (GPT-2 style): text -> UTF-8 bytes -> printable stand-in
// characters -> greedy merges of the most frequent adjacent pair.

/** GPT-2's pre-tokenisation regex, as used by the ByteLevel pre-tokenizer (use_regex: true). */
export const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's byte -> character table: printable Latin-1 bytes map to themselves, the rest (space,
 * controls) to U+0100 and up, so every byte has a visible, whitespace-free symbol.
 */
export function bytesToUnicode(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  }
  return table;
}

/** Split text the way the ByteLevel pre-tokenizer does, each piece in byte-level symbols. */
export function preTokenize(text: string): string[] {
  const table = bytesToUnicode();
  const encoder = new TextEncoder();
  const pieces = text.match(GPT2_SPLIT) ?? [];
  return pieces.map((piece) => Array.from(encoder.encode(piece), (b) => table[b] ?? '').join(''));
}

export type Merge = [string, string];

/** Learn up to `maxMerges` merges from `corpus`; only pairs seen at least twice are merged. */
export function trainBpe(corpus: string, maxMerges: number): Merge[] {
  const words = countWords(corpus);
  const merges: Merge[] = [];
  while (merges.length < maxMerges) {
    const best = mostFrequentPair(words);
    if (best === null) break;
    merges.push(best);
    for (const word of words) word.symbols = applyMerge(word.symbols, best);
  }
  return merges;
}

interface Word {
  symbols: string[];
  count: number;
}

function countWords(corpus: string): Word[] {
  const counts = new Map<string, number>();
  for (const piece of preTokenize(corpus)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  return [...counts].map(([piece, count]) => ({ symbols: Array.from(piece), count }));
}

/** The most frequent pair; ties go to the pair that sorts first, so training is deterministic. */
function mostFrequentPair(words: Word[]): Merge | null {
  const counts = new Map<string, { pair: Merge; count: number }>();
  for (const { symbols, count } of words) {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const pair: Merge = [symbols[i] ?? '', symbols[i + 1] ?? ''];
      const key = pair.join(' ');
      const entry = counts.get(key);
      if (entry) entry.count += count;
      else counts.set(key, { pair, count });
    }
  }
  let best: { key: string; pair: Merge; count: number } | null = null;
  for (const [key, { pair, count }] of counts) {
    if (count < 2) continue;
    if (best === null || count > best.count || (count === best.count && key < best.key)) {
      best = { key, pair, count };
    }
  }
  return best?.pair ?? null;
}

function applyMerge(symbols: string[], [left, right]: Merge): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i++;
    } else {
      out.push(symbols[i] ?? '');
    }
  }
  return out;
}
