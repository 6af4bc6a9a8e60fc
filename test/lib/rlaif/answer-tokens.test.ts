import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../src/lib/engines/tokenizer';
import {
  AnswerTokenError,
  resolveAnswerToken,
  resolveChoiceTokens,
} from '../../../src/lib/rlaif/answer-tokens';
import { byteLevelBpe, metaspaceBpe, wordLevel } from '../../support/tokenizers';

const ENDING = 'Preferred Summary=';

describe('resolveAnswerToken on real tokenizer.json files', () => {
  it('byte-level BPE (GPT-2, SmolLM2, Qwen): "1" after "=", even when " 1" is its own token', () => {
    const tok = loadTokenizer(
      byteLevelBpe([
        ['Ġ', '1'],
        ['Ġ', '2'],
      ]),
    );
    const [one, two] = resolveChoiceTokens(tok, ENDING);
    expect(one).toEqual({ text: '1', id: tok.encode('1')[0], via: 'context' });
    expect(two.id).toBe(tok.encode('2')[0]);
    // After a space the answer is the merged " 1" token instead.
    const spaced = resolveAnswerToken(tok, 'Preferred Summary: ', '1');
    expect(spaced.via).toBe('single-token');
    expect(resolveAnswerToken(tok, 'Answer:', ' 1')).toMatchObject({
      via: 'context',
      id: tok.encode(' 1')[0],
    });
  });

  it('sentencepiece-style BPE (Llama 2, Gemma): "1" in context, not the prefixed "▁1"', () => {
    const pieces = ['▁', 'P', 'r', 'e', 'f', 'd', 'S', 'u', 'm', 'a', 'y', '=', '1', '2'];
    const tok = loadTokenizer(
      metaspaceBpe(pieces, [
        ['▁', '1'],
        ['▁', '2'],
      ]),
    );
    expect(tok.tokens('1')).toEqual(['▁1']); // alone, the answer would get the word-start marker
    const [one, two] = resolveChoiceTokens(tok, ENDING);
    expect(tok.idToToken(one.id)).toBe('1');
    expect(tok.idToToken(two.id)).toBe('2');
    expect(one.via).toBe('context');
  });

  it('falls back to the single token when the answer merges with the ending', () => {
    // Without the regex split, "=1" is one merged token, so "1" is not appended on its own.
    const tok = loadTokenizer(byteLevelBpe([['=', '1']], { useRegex: false }));
    expect(tok.tokens('Summary=1').at(-1)).toBe('=1');
    const one = resolveAnswerToken(tok, ENDING, '1');
    expect(one).toEqual({ text: '1', id: tok.encode('1')[0], via: 'single-token' });
  });

  it('refuses a tokenizer that only has an unknown token for the answers', () => {
    const tok = loadTokenizer(wordLevel(['Preferred', 'Summary', '=']));
    expect(() => resolveChoiceTokens(tok, ENDING)).toThrow(AnswerTokenError);
    expect(() => resolveAnswerToken(tok, ENDING, '1')).toThrow(
      /no single token for the answer "1"/,
    );
  });
});
