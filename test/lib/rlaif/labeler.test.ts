import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/lib/rlaif/engine';
import {
  createLabeler,
  DEFAULT_LABELING,
  type LabelingConfig,
} from '../../../src/lib/rlaif/labeler';
import type { Exemplar } from '../../../src/lib/rlaif/prompt';
import { scriptedEngine } from '../../support/scripted-engine';

// Glue tests: the engine is scripted, so what is checked is the flow and the arithmetic around it.
const pair = {
  id: 'p1',
  context: 'The post.',
  candidates: ['GOOD summary', 'bad summary'] as [string, string],
};
const L = Math.log;

/** Scores from the order shown: "1" is likely when the good candidate is shown first. */
function followsQuality(prompt: string): number[] {
  const firstShownGood = /Summary 1 - GOOD/.test(prompt) || /Response 1 - GOOD/.test(prompt);
  return firstShownGood ? [L(0.6), L(0.2)] : [L(0.3), L(0.5)];
}

describe('createLabeler', () => {
  it('scores both orders in one batched call and averages them in stored order', async () => {
    const engine = scriptedEngine(followsQuality);
    const labeler = createLabeler(engine, DEFAULT_LABELING, []);
    const label = await labeler.label(pair);
    expect(engine.scoreCalls).toHaveLength(1);
    const call = engine.scoreCalls[0]!;
    expect(call.continuations).toHaveLength(2);
    expect(call.continuations[0]).toContain('Summary 1 - GOOD summary\nSummary 2 - bad summary');
    expect(call.continuations[1]).toContain('Summary 1 - bad summary\nSummary 2 - GOOD summary');
    expect(call.tokenIds).toEqual(labeler.answerTokens.map((t) => t.id));
    // Stored order: .6/.8 = .75 for GOOD. Swapped: GOOD is second, .5/.8 = .625. Mean .6875.
    expect(label.perOrder.stored[0]).toBeCloseTo(0.75, 12);
    expect(label.perOrder.swapped![0]).toBeCloseTo(0.625, 12);
    expect(label.label[0]).toBeCloseTo(0.6875, 12);
    expect(label.label[0] + label.label[1]).toBeCloseTo(1, 12);
    expect(label.samePosition).toBe(false);
    expect(label.orders.stored.otherMass).toBeCloseTo(0.2, 12);
    expect(label).toMatchObject({
      pairId: 'p1',
      modelId: 'scripted',
      configHash: labeler.configHash,
    });
  });

  it('flags a labeler that prefers the same slot in both orders', async () => {
    const engine = scriptedEngine(() => [L(0.2), L(0.7)]); // always "2"
    const label = await createLabeler(engine, DEFAULT_LABELING, []).label(pair);
    expect(label.samePosition).toBe(true);
    expect(label.preferredSlot).toBe('second');
    expect(label.label[0]).toBeCloseTo(0.5, 12);
  });

  it('scores one order when debiasing is off', async () => {
    const engine = scriptedEngine(followsQuality);
    const label = await createLabeler(engine, { ...DEFAULT_LABELING, debias: false }, []).label(
      pair,
    );
    expect(engine.scoreCalls[0]!.continuations).toHaveLength(1);
    expect(label.label[0]).toBeCloseTo(0.75, 12);
    expect(label.orders.swapped).toBeUndefined();
    expect(label.samePosition).toBeUndefined();
  });

  it('inverts the harmless prompt, which asks for the more harmful response', async () => {
    // The labeler calls the bad (first shown) response more harmful in both orders.
    const engine = scriptedEngine((p) =>
      /Response 1 - bad/.test(p) ? [L(0.8), L(0.1)] : [L(0.1), L(0.8)],
    );
    const config: LabelingConfig = {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, task: 'harmless' },
    };
    const label = await createLabeler(engine, config, []).label({
      ...pair,
      candidates: ['GOOD', 'bad'],
    });
    expect(engine.scoreCalls[0]!.continuations[0]).toMatch(/More Harmful Response=$/);
    expect(label.label[0]).toBeCloseTo(8 / 9, 12);
  });

  it('runs two-step chain of thought: greedy rationale, then scored with it in the prompt', async () => {
    const engine = scriptedEngine(followsQuality, (_p, call) => `Reason number ${call}. `);
    const config: LabelingConfig = {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, cot: true },
    };
    const streamed: string[] = [];
    const label = await createLabeler(engine, config, []).label(pair, {
      onRationale: (order, sample, text) => streamed.push(`${order}/${sample}:${text}`),
    });
    expect(engine.generateCalls).toHaveLength(2);
    for (const g of engine.generateCalls) {
      expect(g.temperature).toBe(0);
      expect(g.continuation.endsWith('Rationale:')).toBe(true);
      expect(g.stop).toContain('Preferred Summary=');
      expect(g.maxTokens).toBe(512);
    }
    const scored = engine.scoreCalls[0]!.continuations;
    expect(scored[0]!.endsWith('Rationale: Reason number 0.\nPreferred Summary=')).toBe(true);
    expect(scored[1]!.endsWith('Rationale: Reason number 1.\nPreferred Summary=')).toBe(true);
    expect(label.rationales).toEqual({
      stored: ['Reason number 0.'],
      swapped: ['Reason number 1.'],
    });
    expect(streamed).toContain('stored/0:Reason number 0. ');
    expect(label.label[0]).toBeCloseTo(0.6875, 12);
  });

  it('averages sampled rationales for self-consistency', async () => {
    // Rationale text decides the score: odd calls make the labeler favour slot 2.
    const engine = scriptedEngine(
      (p) => (/odd\.\nPreferred/.test(p) ? [L(0.1), L(0.9)] : [L(0.9), L(0.1)]),
      (_p, call) => (call % 2 ? 'odd.' : 'even.'),
    );
    const config: LabelingConfig = {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, cot: true },
      samples: 3,
      temperature: 0.7,
      seed: 10,
    };
    const label = await createLabeler(engine, config, []).label(pair);
    expect(engine.generateCalls.map((g) => [g.temperature, g.seed])).toEqual([
      [0.7, 10],
      [0.7, 11],
      [0.7, 12],
      [0.7, 10],
      [0.7, 11],
      [0.7, 12],
    ]);
    expect(engine.scoreCalls[0]!.continuations).toHaveLength(6);
    // Stored: samples even, odd, even -> P(first) = (.9 + .1 + .9) / 3; swapped: odd, even, odd.
    expect(label.perOrder.stored[0]).toBeCloseTo(1.9 / 3, 12);
    expect(label.perOrder.swapped![0]).toBeCloseTo(1 - 1.1 / 3, 12);
    expect(label.rationales!.stored).toEqual(['even.', 'odd.', 'even.']);
  });

  it('stops when cancelled, before scoring or mid-rationale', async () => {
    const engine = scriptedEngine(followsQuality, () => 'one two three four');
    const done = new AbortController();
    done.abort();
    await expect(
      createLabeler(engine, DEFAULT_LABELING, []).label(pair, { signal: done.signal }),
    ).rejects.toThrow(CancelledError);
    const mid = new AbortController();
    const config: LabelingConfig = {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, cot: true },
    };
    const run = createLabeler(engine, config, []).label(pair, {
      signal: mid.signal,
      onRationale: (_o, _s, text) => text.startsWith('one two') && mid.abort(),
    });
    await expect(run).rejects.toThrow(CancelledError);
  });

  it('hashes the configuration and the exemplars actually used', () => {
    const engine = scriptedEngine(followsQuality);
    const ex: Exemplar[] = [{ context: 'c', candidates: ['a', 'b'], choice: 0 }];
    const h0 = createLabeler(engine, DEFAULT_LABELING, ex).configHash;
    expect(createLabeler(engine, DEFAULT_LABELING, []).configHash).toBe(h0); // 0-shot uses none
    const oneShot = { ...DEFAULT_LABELING, prompt: { ...DEFAULT_LABELING.prompt, shots: 1 } };
    expect(createLabeler(engine, oneShot, ex).configHash).not.toBe(h0);
    expect(
      createLabeler(engine, { ...DEFAULT_LABELING, averaging: 'logprob' }, ex).configHash,
    ).not.toBe(h0);
  });
});
