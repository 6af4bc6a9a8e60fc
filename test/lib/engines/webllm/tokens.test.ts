// Token ids for the answers, resolved with the core's own functions on real tokenizer.json files,
// and read from a full-vocabulary logits row as the worker's logit processor captures it.
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../../src/lib/engines/tokenizer';
import { fullVocabScores } from '../../../../src/lib/engines/webllm/logit-processor';
import { biasedScoreRequest } from '../../../../src/lib/engines/webllm/requests';
import { resolveChoiceTokens } from '../../../../src/lib/rlaif/answer-tokens';
import { resolveScoreTokens } from '../../../../src/lib/rlaif/direct';
import { byteLevelBpe, metaspaceBpe } from '../../../support/tokenizers';

const ENDING = 'Preferred Summary=';

describe('answer tokens for web-llm requests', () => {
  it('byte-level BPE (SmolLM2, Qwen2.5): "1"/"2" ids go into logit_bias', () => {
    const tok = loadTokenizer(byteLevelBpe([['Ġ', '1']]));
    const [one, two] = resolveChoiceTokens(tok, ENDING);
    expect([tok.decode([one.id]), tok.decode([two.id])]).toEqual(['1', '2']);
    expect(biasedScoreRequest('x', [one.id, two.id]).logit_bias).toEqual({
      [one.id]: 100,
      [two.id]: 100,
    });
  });

  it('sentencepiece BPE (Llama, Gemma): the in-context "1", not "▁1"', () => {
    const pieces = ['▁', 'P', 'r', 'e', 'f', 'd', 'S', 'u', 'm', 'a', 'y', '=', '1', '2'];
    const tok = loadTokenizer(metaspaceBpe(pieces, [['▁', '1']]));
    const [one, two] = resolveChoiceTokens(tok, ENDING);
    expect([tok.idToToken(one.id), tok.idToToken(two.id)]).toEqual(['1', '2']);
  });

  it('d-RLAIF digits: ten single tokens, or "1" then "0"', () => {
    const split = resolveScoreTokens({ tokenizer: loadTokenizer(byteLevelBpe([])) });
    expect(split.digits).toHaveLength(9);
    expect(split.ten).toBeNull();
    const tok = loadTokenizer(byteLevelBpe([['1', '0']]));
    const merged = resolveScoreTokens({ tokenizer: tok });
    expect(merged.ten).toBe(tok.encode('10')[0]);
    // More than five ids: only the full-vocabulary path (or grouped biased reads) can score them.
    expect(new Set([...merged.digits, merged.ten]).size).toBe(10);
  });
});

describe('full-vocabulary log-probs from captured logits', () => {
  it('is an exact log-softmax over every token, with the mass on the others', () => {
    // Four tokens with probabilities 1/2, 1/4, 1/8, 1/8.
    const logits = new Float32Array([Math.log(4), Math.log(2), 0, 0]);
    const s = fullVocabScores(logits, [0, 1], 2);
    expect(s.logprobs[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(s.logprobs[1]).toBeCloseTo(Math.log(0.25), 6);
    expect(s.otherMass).toBeCloseTo(0.25, 6);
    expect(s.top.map((t) => t.id)).toEqual([0, 1]);
    expect(fullVocabScores(logits, [7]).logprobs).toEqual([-Infinity]);
  });
});
