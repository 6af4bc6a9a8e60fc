// LabelSession's d-RLAIF ratings on a scripted engine: rated after the pair label, redone for the
// new text when an edit cancels them mid-way, and turned on and off without relabelling the pair.
import { describe, expect, it, vi } from 'vitest';
import { DIRECT_ENDING } from '../../src/lib/rlaif/direct';
import type { LabelerEngine, ScoreRequest } from '../../src/lib/rlaif/engine';
import { LabelSession } from '../../src/ui/state/label-session.svelte';
import { LabelerModel } from '../../src/ui/state/labeler-model.svelte';
import { scriptedEngine } from '../support/scripted-engine';

/** Ratings: all mass on 9 for a response that says "good", on 3 otherwise; the pair 70/30. */
function logprobs(prompt: string, ids: number[]): number[] {
  if (prompt.endsWith(`${DIRECT_ENDING}1`)) return [Math.log(0.5)]; // P("0" | "1"): never used
  if (!prompt.endsWith(DIRECT_ENDING)) return [Math.log(0.7), Math.log(0.3)];
  const best = /Summary - .*good/.test(prompt) ? 8 : 2;
  return ids.map((_, i) => (i === best ? 0 : -Infinity));
}

/** A scripted engine whose rating calls wait at a gate while it is held. */
function gatedEngine() {
  const inner = scriptedEngine(logprobs);
  let gate: Promise<void> = Promise.resolve();
  let release = () => {};
  const engine: LabelerEngine = {
    ...inner,
    async scoreNextToken(request: ScoreRequest) {
      if (request.continuations[0]!.includes(DIRECT_ENDING)) await gate;
      return inner.scoreNextToken(request);
    },
  };
  const hold = () => (gate = new Promise((ok) => (release = ok)));
  const labelCalls = () => inner.scoreCalls.filter((c) => c.tokenIds.length === 2).length;
  return { engine, hold, release: () => release(), labelCalls };
}

class ScriptedModel extends LabelerModel {
  use(engine: LabelerEngine): void {
    this.ready(engine, { phase: 'ready', modelId: 'scripted', ep: 'wasm', synthetic: false });
  }
}

function session(engine: LabelerEngine): LabelSession {
  const model = new ScriptedModel();
  model.use(engine);
  const s = new LabelSession(model);
  s.pair = { context: 'The rent rose.', candidates: ['a good summary', 'a poor summary'] };
  return s;
}

const expected = (s: LabelSession) => s.directScores?.map((d) => d.expected);

describe('LabelSession d-RLAIF ratings', () => {
  it('rates both candidates after the pair label', async () => {
    const { engine } = gatedEngine();
    const s = session(engine);
    expect(s.direct).toBe(true);
    s.schedule(0);
    await vi.waitFor(() => expect(s.directScores).not.toBeNull());
    expect(s.result?.perOrder.stored[0]).toBeCloseTo(0.7, 9); // the label is kept as before
    expect(expected(s)).toEqual([9, 3]);
    for (const d of s.directScores!) expect(d.distribution).toHaveLength(10);
    expect(s.rating).toBe(false);
  });

  it('an edit cancels the ratings in flight and rates the new text', async () => {
    const gated = gatedEngine();
    const s = session(gated.engine);
    gated.hold();
    s.schedule(0);
    await vi.waitFor(() => expect(s.rating).toBe(true));
    s.pair.candidates[1] = 'now a good one too';
    s.schedule(50);
    gated.release();
    // Before the new label runs: the cancelled ratings of the old text never land.
    await new Promise((ok) => setTimeout(ok, 10));
    expect(s.directScores).toBeNull();
    await vi.waitFor(() => expect(expected(s)).toEqual([9, 9]));
    expect(s.directError).toBeNull();
    expect(gated.labelCalls()).toBe(2);
  });

  it('turns off (clearing the ratings) and back on without labelling the pair again', async () => {
    const gated = gatedEngine();
    const s = session(gated.engine);
    s.setDirect(false);
    s.schedule(0);
    await vi.waitFor(() => expect(s.result).not.toBeNull());
    await new Promise((ok) => setTimeout(ok, 20));
    expect(s.directScores).toBeNull();
    s.setDirect(true);
    await vi.waitFor(() => expect(expected(s)).toEqual([9, 3]));
    expect(gated.labelCalls()).toBe(1);
    s.setDirect(false);
    expect(s.directScores).toBeNull();
  });
});
