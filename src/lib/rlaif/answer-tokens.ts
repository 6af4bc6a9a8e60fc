// Which token carries an answer such as "1": the one the model would emit right after the ending.
// Tokenizers differ ("1" vs " 1" vs "▁1"), so resolve it in context for each tokenizer: encode the
// ending with and without the answer, and the answer's token is whatever was appended.
import type { TokenizerAccess } from './engine';

export interface AnswerToken {
  text: string;
  id: number;
  /** How the id was found: appended in context, or the answer's own single-token encoding. */
  via: 'context' | 'single-token';
}

export class AnswerTokenError extends Error {
  constructor(answer: string, ending: string) {
    super(
      `The tokenizer has no single token for the answer "${answer}" after "${ending}": ` +
        'this model cannot be scored by next-token log-probs with this prompt.',
    );
    this.name = 'AnswerTokenError';
  }
}

function startsWith(ids: number[], prefix: number[]): boolean {
  return prefix.every((id, i) => ids[i] === id);
}

/**
 * The token id for `answer` right after `ending`, e.g. ("Preferred Summary=", "1").
 * Falls back to the answer's own single token (or with a leading space) when the answer merges
 * with the end of the ending in context; throws when neither is a single token.
 */
export function resolveAnswerToken(
  tok: TokenizerAccess,
  ending: string,
  answer: string,
): AnswerToken {
  // An unknown-token id "encodes" anything: accept only ids that decode back to the answer.
  const spells = (id: number) => tok.decode([id]).trim() === answer.trim();
  const before = tok.encode(ending);
  const after = tok.encode(ending + answer);
  const appended = after[after.length - 1]!;
  if (after.length === before.length + 1 && startsWith(after, before) && spells(appended)) {
    return { text: answer, id: appended, via: 'context' };
  }
  for (const form of [answer, ` ${answer}`]) {
    const ids = tok.encode(form);
    if (ids.length === 1 && spells(ids[0]!))
      return { text: form, id: ids[0]!, via: 'single-token' };
  }
  throw new AnswerTokenError(answer, ending);
}

/** The ids of "1" and "2" after an ending; they must differ or the two answers are one token. */
export function resolveChoiceTokens(
  tok: TokenizerAccess,
  ending: string,
): [AnswerToken, AnswerToken] {
  const one = resolveAnswerToken(tok, ending, '1');
  const two = resolveAnswerToken(tok, ending, '2');
  if (one.id === two.id) throw new AnswerTokenError('1/2', ending);
  return [one, two];
}
