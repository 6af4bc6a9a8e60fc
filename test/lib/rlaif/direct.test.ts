import { describe, expect, it } from 'vitest';
import {
  buildDirectPrompt,
  DIRECT_ENDING,
  directScore,
  rateResponse,
  resolveScoreTokens,
} from '../../../src/lib/rlaif/direct';
import { loadTokenizer } from '../../../src/lib/engines/tokenizer';
import { scriptedEngine } from '../../support/scripted-engine';
import { byteLevelBpe } from '../../support/tokenizers';

const L = Math.log;

describe('directScore', () => {
  it('maps the expected score from [1, 10] to [-1, 1]', () => {
    const uniform = directScore(Array(10).fill(L(0.05)), false);
    expect(uniform.expected).toBeCloseTo(5.5, 12);
    expect(uniform.reward).toBeCloseTo(0, 12);
    expect(uniform.otherMass).toBeCloseTo(0.5, 12);
    const best = directScore([...Array(9).fill(-Infinity), 0], false);
    expect(best.reward).toBe(1);
    const worst = directScore([0, ...Array(9).fill(-Infinity)], false);
    expect(worst.reward).toBe(-1);
    // P(2) = .2, P(4) = .6 -> renormalised .25 / .75 -> E = 3.5 -> reward (3.5 - 5.5) / 4.5.
    const lp = Array(10).fill(-Infinity);
    lp[1] = L(0.2);
    lp[3] = L(0.6);
    const s = directScore(lp, false);
    expect(s.distribution[1]).toBeCloseTo(0.25, 12);
    expect(s.expected).toBeCloseTo(3.5, 12);
    expect(s.reward).toBeCloseTo(-2 / 4.5, 12);
  });
});

describe('d-RLAIF with a tokenizer where "10" is two tokens', () => {
  it('splits P("1") into the scores 1 and 10 with one more step', async () => {
    const engine = scriptedEngine((prompt, ids) => {
      if (prompt.endsWith(`${DIRECT_ENDING}1`)) return [L(0.25)]; // P("0" | "1")
      return ids.map((_, i) => (i === 0 ? L(0.4) : i === 4 ? L(0.6) : -Infinity)); // "1": .4, "5": .6
    });
    const tokens = resolveScoreTokens(engine);
    expect(tokens.ten).toBeNull();
    expect(tokens.digits).toHaveLength(9);
    const s = await rateResponse(engine, { task: 'helpful', format: 'raw' }, 'Human: hi', 'Hello!');
    expect(s.tenIsTwoTokens).toBe(true);
    // P(1) = .4 * .75 = .3, P(10) = .4 * .25 = .1, P(5) = .6.
    expect(s.distribution[0]).toBeCloseTo(0.3, 12);
    expect(s.distribution[9]).toBeCloseTo(0.1, 12);
    expect(s.distribution[4]).toBeCloseTo(0.6, 12);
    expect(s.expected).toBeCloseTo(0.3 + 1 + 3, 12);
    expect(engine.scoreCalls).toHaveLength(2);
    expect(engine.scoreCalls[1]!.tokenIds).toEqual([tokens.zero]);
  });

  it('uses a single "10" token when the tokenizer has one', () => {
    const tok = loadTokenizer(byteLevelBpe([['1', '0']]));
    const engine = { tokenizer: tok };
    expect(resolveScoreTokens(engine).ten).toBe(tok.encode('10')[0]);
  });

  it('builds the prompt with the response and the rating ending', () => {
    const p = buildDirectPrompt(
      { task: 'summarization', format: 'raw' },
      'The post',
      'A summary',
      {},
    );
    expect(p.prefix[1]).toBe('Text - The post\n');
    expect(p.continuation).toBe(`Summary - A summary\n${DIRECT_ENDING}`);
  });
});
