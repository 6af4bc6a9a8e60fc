// The speaker's actions on the real probe set: probes step both ways and wrap, the shown order
// swaps, chain of thought flips, and the batch key does what the batch button offers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadProbes } from '../../src/lib/rlaif/probes';
import { LabelSession } from '../../src/ui/state/label-session.svelte';
import { LabelerModel } from '../../src/ui/state/labeler-model.svelte';
import { Speaker, toggleBatch, type BatchControls } from '../../src/ui/state/speaker.svelte';

describe('Speaker', () => {
  let session: LabelSession;
  let speaker: Speaker;
  beforeEach(async () => {
    vi.useFakeTimers(); // no model is loaded: the scheduled labels must not run
    session = new LabelSession(new LabelerModel());
    speaker = new Speaker(session);
    speaker.probes = await loadProbes();
  });
  afterEach(() => vi.useRealTimers());

  it('steps through the current task’s probes and wraps at both ends', () => {
    const probes = speaker.taskProbes;
    expect(probes.length).toBeGreaterThan(2);
    expect(probes.every((p) => p.task === 'summarization')).toBe(true);
    speaker.show(0);
    expect(session.pair.context).toBe(probes[0]!.context);
    speaker.step(-1); // back from the first is the last
    expect(session.pair.context).toBe(probes.at(-1)!.context);
    expect(session.pair.candidates).toEqual([...probes.at(-1)!.candidates]);
    speaker.step(1);
    expect(session.pair.context).toBe(probes[0]!.context);
    speaker.step(1);
    expect(session.pair.context).toBe(probes[1]!.context);
  });

  it('follows the task: the dialogue probes once the task is helpful', () => {
    session.setTask('helpful');
    speaker.show(0);
    expect(speaker.current?.task).toBe('helpful');
    expect(session.pair.context).toBe(speaker.taskProbes[0]!.context);
  });

  it('swaps the shown order and back, and flips chain of thought', () => {
    speaker.show(0);
    const [a, b] = session.pair.candidates;
    expect(a).not.toBe(b);
    speaker.swapOrder();
    expect(session.pair.candidates).toEqual([b, a]);
    speaker.swapOrder();
    expect(session.pair.candidates).toEqual([a, b]);
    const cot = session.config.prompt.cot;
    speaker.toggleCot();
    expect(session.config.prompt.cot).toBe(!cot);
  });
});

describe('toggleBatch', () => {
  function controls(
    phase: BatchControls['phase'],
    labelled = 0,
  ): BatchControls & { calls: string[] } {
    const calls: string[] = [];
    return {
      phase,
      run: { pairCount: 20, labelledCount: labelled },
      calls,
      start: async () => void calls.push('start'),
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
    };
  }

  it('starts an idle run, pauses a running one, continues a paused one', () => {
    const cases = [
      ['idle', 'start'],
      ['running', 'pause'],
      ['paused', 'resume'],
    ] as const;
    for (const [phase, call] of cases) {
      const ds = controls(phase);
      toggleBatch(ds);
      expect(ds.calls).toEqual([call]);
    }
  });

  it('does nothing while stopping, with no run, or when every pair is labelled', () => {
    const stopping = controls('stopping');
    const done = controls('idle', 20);
    const none = { ...controls('idle'), run: null };
    for (const ds of [stopping, done, none]) {
      toggleBatch(ds);
      expect(ds.calls).toEqual([]);
    }
  });
});
