// The token ids an engine runs for a segmented prompt, and where its KV cache may be cut for
// reuse. The ids are always the whole text's encoding. Segments are never encoded alone:
// sentencepiece tokenizers with a Prepend "▁" normalizer (Llama 2, Mistral, Phi-3) give a segment
// alone a leading "▁" it does not have inside the prompt. A boundary is a cut when the encoding of
// the text up to it is a prefix of the whole's encoding, i.e. the whole has a token edge there.

export type ReuseFallbackReason = 'boundary-inside-token';

/** Why a segment boundary gave no clean cut: reuse then stops at the last token edge before it. */
export interface ReuseFallback {
  reason: ReuseFallbackReason;
  /** Index of the prefix segment whose end fell inside a token. */
  segment: number;
  message: string;
}

export interface PromptIds {
  /** The whole prompt's ids: exactly what the engine runs, whatever the cuts. */
  ids: number[];
  /** Token counts after which the cache is kept, ascending, each short of the last token. */
  cuts: number[];
  fallback: ReuseFallback | null;
}

/** How the planner encodes: `head` for texts up to a boundary (worth memoising), `whole` once. */
export interface PromptEncoder {
  head(text: string): number[];
  whole(text: string): number[];
}

/** Length of the longest common prefix of two id lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The whole prompt's ids and its cuts. Where a boundary falls inside a token (e.g. "Sum" |
 * "mary"), the cut moves back to where the two encodings part: any prefix of the whole's ids is an
 * exact cache state, since the cache is keyed by ids. At least one token is left to run.
 */
export function promptIds(
  encoder: PromptEncoder,
  prefix: string[],
  continuation: string,
): PromptIds {
  const ids = encoder.whole(prefix.join('') + continuation);
  const cuts: number[] = [];
  let fallback: ReuseFallback | null = null;
  let text = '';
  for (const [segment, part] of prefix.entries()) {
    if (!part) continue;
    text += part;
    const head = encoder.head(text);
    const shared = commonPrefixLength(head, ids);
    if (shared < head.length && !fallback) {
      fallback = {
        reason: 'boundary-inside-token',
        segment,
        message:
          `The end of prompt segment ${segment + 1} falls inside a token of the whole prompt: ` +
          `its cache stops ${head.length - shared} token(s) early.`,
      };
    }
    const cut = Math.min(shared, ids.length - 1);
    if (cut > (cuts.at(-1) ?? 0)) cuts.push(cut);
  }
  return { ids, cuts, fallback };
}

/** A cache key for a run of ids: identical id prefixes share a cache, whatever their text. */
export function idsKey(ids: readonly number[]): string {
  return ids.join(',');
}
