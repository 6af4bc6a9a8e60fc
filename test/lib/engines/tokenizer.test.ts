import { describe, expect, it } from 'vitest';
import { loadTokenizer, TokenizerLoadError } from '../../../src/lib/engines/tokenizer';
import { byteLevelBpe, metaspaceBpe, wordLevel } from '../../support/tokenizers';

describe('loadTokenizer', () => {
  it('round-trips any text through byte-level BPE and keeps special tokens whole', () => {
    const tok = loadTokenizer(byteLevelBpe([['h', 'i']]));
    for (const text of ['hi there', 'héllo 😀 世界', 'שלום\u200b!', '']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
    const ids = tok.encode('<|im_start|>hi');
    expect(ids).toHaveLength(2);
    expect(tok.decode(ids.slice(0, 1))).toBe('<|im_start|>');
    expect(tok.vocabSize).toBe(256 + 1 + 2);
  });
  it('never adds special tokens on its own', () => {
    const tok = loadTokenizer(byteLevelBpe([]));
    expect(tok.encode('a')).toHaveLength(1);
  });
  it('maps unknown words to the unknown token', () => {
    const tok = loadTokenizer(wordLevel(['known']));
    expect(tok.encode('known mystery')).toEqual([1, 0]);
  });
  it('reports a broken tokenizer.json clearly', () => {
    expect(() => loadTokenizer({ model: { type: 'Nonsense' } })).toThrow(TokenizerLoadError);
  });
});

describe("loadTokenizer: the special prefix (BOS) of Hugging Face's default encode", () => {
  const pieces = ['▁', 'h', 'i'];
  const merges: [string, string][] = [['▁', 'h']];

  it('reads a TemplateProcessing post-processor: <s> in front, as text that encodes back to it', () => {
    const tok = loadTokenizer(metaspaceBpe(pieces, merges, { bos: true }));
    expect(tok.specialPrefix).toEqual({ ids: [1], tokens: ['<s>'], text: '<s>' });
    // Plain encode stays plain; the prefix's text brings the id back, once.
    expect(tok.encode('hi')[0]).not.toBe(1);
    expect(tok.encode('<s>hi')).toEqual([1, ...tok.encode('hi')]);
  });

  it('is empty without a post-processor, and when add_bos_token is false', () => {
    expect(loadTokenizer(byteLevelBpe([])).specialPrefix.ids).toEqual([]);
    expect(loadTokenizer(metaspaceBpe(pieces, merges)).specialPrefix.ids).toEqual([]);
    const off = loadTokenizer(metaspaceBpe(pieces, merges, { bos: true }), {
      add_bos_token: false,
    });
    expect(off.specialPrefix).toEqual({ ids: [], tokens: [], text: null });
  });
});
