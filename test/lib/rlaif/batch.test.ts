import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BatchLabelError,
  BatchSaveError,
  PauseGate,
  rateAndEta,
  runBatch,
  type BatchProgress,
} from '../../../src/lib/rlaif/batch';
import { CancelledError, type LabelerEngine } from '../../../src/lib/rlaif/engine';
import { createLabeler, DEFAULT_LABELING } from '../../../src/lib/rlaif/labeler';
import type { PairLabel, PreferencePair } from '../../../src/lib/rlaif/types';
import { loadLlamaReference } from '../../support/llama-reference-node';
import { referenceEngine } from '../../support/reference-engine';
import { scriptedEngine } from '../../support/scripted-engine';

const L = Math.log;

function pairs(n: number): PreferencePair[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    task: 'summarization' as const,
    context: `Post number ${i}.`,
    candidates: [`GOOD ${i}`, `bad ${i}`] as [string, string],
    humanChoice: 0 as const,
    source: { format: 'native' as const, line: i + 1 },
  }));
}

/** A scripted engine whose P("1") depends on the pair's number, so labels tell pairs apart. */
function numberedEngine(): LabelerEngine & { calls: () => number } {
  const engine = scriptedEngine((prompt) => {
    const n = Number(/Post number (\d+)/.exec(prompt)?.[1] ?? 0);
    return [L(0.1 + 0.01 * n), L(0.2)];
  });
  return Object.assign(engine, { calls: () => engine.scoreCalls.length });
}

function collector() {
  const saved: PairLabel[] = [];
  return { saved, onLabel: (label: PairLabel) => void saved.push(label) };
}

describe('runBatch', () => {
  it('labels every pair in order and hands each label to the sink before the next pair', async () => {
    const engine = numberedEngine();
    const labeler = createLabeler(engine, DEFAULT_LABELING, []);
    const order: string[] = [];
    const result = await runBatch({
      labeler,
      pairs: pairs(4),
      labelled: new Set(),
      onLabel: async (label) => {
        order.push(`saved ${label.pairId} after ${engine.calls()} calls`);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    expect(result).toEqual({ labelled: 4, skipped: 0 });
    // One batched call (both orders) per pair, and each save happens before the next call.
    expect(order).toEqual([
      'saved p0 after 1 calls',
      'saved p1 after 2 calls',
      'saved p2 after 3 calls',
      'saved p3 after 4 calls',
    ]);
  });

  it('labels pairs sharing a context back to back (original indices), file order when asked', async () => {
    const shared = pairs(5).map((p, i) => ({ ...p, context: `Post number ${i % 2}.` }));
    const run = async (groupContexts?: boolean) => {
      const seen: string[] = [];
      const labels = new Map<string, PairLabel>();
      await runBatch({
        labeler: createLabeler(numberedEngine(), DEFAULT_LABELING, []),
        pairs: shared,
        labelled: new Set(['p2']),
        groupContexts,
        onLabel: (label, index) => {
          seen.push(`${label.pairId}@${index}`);
          labels.set(label.pairId, label);
        },
      });
      return { seen, labels };
    };
    const grouped = await run();
    const plain = await run(false);
    expect(grouped.seen).toEqual(['p0@0', 'p4@4', 'p1@1', 'p3@3']);
    expect(plain.seen).toEqual(['p0@0', 'p1@1', 'p3@3', 'p4@4']);
    expect(grouped.labels).toEqual(plain.labels);
  });

  it('skips pairs that are already labelled and counts them as done', async () => {
    const engine = numberedEngine();
    const { saved, onLabel } = collector();
    const progress: BatchProgress[] = [];
    const result = await runBatch({
      labeler: createLabeler(engine, DEFAULT_LABELING, []),
      pairs: pairs(5),
      labelled: new Set(['p0', 'p2', 'p3']),
      onLabel,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ labelled: 2, skipped: 3 });
    expect(saved.map((l) => l.pairId)).toEqual(['p1', 'p4']);
    expect(engine.calls()).toBe(2);
    expect(progress.map((p) => `${p.done}/${p.total}`)).toEqual(['3/5', '4/5', '5/5']);
  });

  it('pauses between pairs and resumes where it stopped', async () => {
    const gate = new PauseGate();
    const engine = numberedEngine();
    const events: string[] = [];
    const done = runBatch({
      labeler: createLabeler(engine, DEFAULT_LABELING, []),
      pairs: pairs(4),
      labelled: new Set(),
      pause: gate,
      onLabel: (label) => {
        events.push(label.pairId);
        if (label.pairId === 'p1') gate.pause(); // pause after the second label
      },
      onProgress: (p) => p.paused && events.push(`paused at ${p.done}`),
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['p0', 'p1', 'paused at 2']);
    expect(engine.calls()).toBe(2); // nothing runs while paused
    events.push('resume');
    gate.resume();
    await done;
    expect(events).toEqual(['p0', 'p1', 'paused at 2', 'resume', 'p2', 'p3']);
  });

  it('cancels mid-run: rejects with CancelledError and keeps the labels already saved', async () => {
    const controller = new AbortController();
    const { saved, onLabel } = collector();
    const run = runBatch({
      labeler: createLabeler(numberedEngine(), DEFAULT_LABELING, []),
      pairs: pairs(6),
      labelled: new Set(),
      signal: controller.signal,
      onLabel: (label) => {
        onLabel(label);
        if (saved.length === 3) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(saved.map((l) => l.pairId)).toEqual(['p0', 'p1', 'p2']);
  });

  it('cancels while paused', async () => {
    const gate = new PauseGate();
    gate.pause();
    const controller = new AbortController();
    const run = runBatch({
      labeler: createLabeler(numberedEngine(), DEFAULT_LABELING, []),
      pairs: pairs(2),
      labelled: new Set(),
      pause: gate,
      signal: controller.signal,
      onLabel: () => {},
    });
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('stops on an engine error with the pair named, after saving the earlier labels', async () => {
    const engine = numberedEngine();
    const score = engine.scoreNextToken.bind(engine);
    engine.scoreNextToken = async (request) => {
      if (request.continuations[0]!.includes('GOOD 2')) throw new Error('GPU device was lost');
      return score(request);
    };
    const { saved, onLabel } = collector();
    const run = runBatch({
      labeler: createLabeler(engine, DEFAULT_LABELING, []),
      pairs: pairs(5),
      labelled: new Set(),
      onLabel,
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchLabelError);
    expect(error).toMatchObject({ pairId: 'p2', index: 2 });
    expect((error as Error).message).toMatch(/pair 3 \("p2"\): GPU device was lost/);
    expect(saved.map((l) => l.pairId)).toEqual(['p0', 'p1']);
  });

  it('stops with BatchSaveError when the sink cannot save', async () => {
    const run = runBatch({
      labeler: createLabeler(numberedEngine(), DEFAULT_LABELING, []),
      pairs: pairs(3),
      labelled: new Set(),
      onLabel: (label) => {
        if (label.pairId === 'p1') throw new Error('QuotaExceededError');
      },
    });
    await expect(run).rejects.toThrow(BatchSaveError);
    await expect(run).rejects.toThrow(/"p1": QuotaExceededError/);
  });

  it('reports pairs/s over active time only, and the ETA it implies', async () => {
    let t = 0;
    const engine = numberedEngine();
    const score = engine.scoreNextToken.bind(engine);
    engine.scoreNextToken = async (request) => {
      t += 500; // each pair takes half a second
      return score(request);
    };
    const gate = new PauseGate();
    const progress: BatchProgress[] = [];
    const run = runBatch({
      labeler: createLabeler(engine, DEFAULT_LABELING, []),
      pairs: pairs(6),
      labelled: new Set(['p5']),
      pause: gate,
      now: () => t,
      onLabel: (label) => {
        if (label.pairId === 'p1') gate.pause();
      },
      onProgress: (p) => progress.push(p),
    });
    await new Promise((r) => setTimeout(r, 10));
    t += 60_000; // a minute paused must not count
    gate.resume();
    await run;
    // The report right after each new label.
    const labelled = progress.filter(
      (p, i) => i > 0 && p.labelledNow !== progress[i - 1]!.labelledNow,
    );
    expect(labelled.map((p) => p.pairsPerSecond)).toEqual([2, 2, 2, 2, 2]);
    expect(labelled.map((p) => p.etaSeconds)).toEqual([2, 1.5, 1, 0.5, 0]);
    expect(progress[0]).toMatchObject({ done: 1, total: 6, pairsPerSecond: 0 });
    expect(progress[0]!.etaSeconds).toBeNaN();
  });
});

describe('rateAndEta', () => {
  it('divides remaining pairs by the rate, and is 0 when nothing is left', () => {
    expect(rateAndEta(10, 4000, 30)).toEqual({ pairsPerSecond: 2.5, etaSeconds: 12 });
    expect(rateAndEta(10, 4000, 0)).toEqual({ pairsPerSecond: 2.5, etaSeconds: 0 });
    expect(rateAndEta(0, 0, 5).etaSeconds).toBeNaN();
  });
});

describe('runBatch on the float64 reference model', () => {
  const tokenizer = JSON.parse(readFileSync('models/tiny-llama/tokenizer.json', 'utf8')) as object;
  const tokenizerConfig = JSON.parse(
    readFileSync('models/tiny-llama/tokenizer_config.json', 'utf8'),
  ) as object;
  const engine = referenceEngine(
    loadLlamaReference('models/tiny-llama'),
    tokenizer,
    tokenizerConfig,
    2,
  );
  const data = pairs(4);

  it('a run cancelled and resumed gives the same labels as one uninterrupted run', async () => {
    const config = DEFAULT_LABELING;
    const whole = collector();
    await runBatch({
      labeler: createLabeler(engine, config, []),
      pairs: data,
      labelled: new Set(),
      onLabel: whole.onLabel,
    });

    const store = new Map<string, PairLabel>();
    const controller = new AbortController();
    const first = runBatch({
      labeler: createLabeler(engine, config, []),
      pairs: data,
      labelled: new Set(),
      signal: controller.signal,
      onLabel: (label) => {
        store.set(label.pairId, label);
        if (store.size === 2) controller.abort();
      },
    });
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    const resumed = await runBatch({
      labeler: createLabeler(engine, config, []), // a fresh labeler, as after a reload
      pairs: data,
      labelled: new Set(store.keys()),
      onLabel: (label) => void store.set(label.pairId, label),
    });
    expect(resumed).toEqual({ labelled: 2, skipped: 2 });
    expect(data.map((p) => store.get(p.id)!.label)).toEqual(whole.saved.map((l) => l.label));
    for (const label of store.values()) {
      expect(label.label[0]).toBeGreaterThan(0);
      expect(label.label[0]).toBeLessThan(1);
    }
  });
});

/** A labeler whose label of pair i resolves after delays[i] ms; counts how many are in flight. */
function timedLabeler(delays: number[], failAt?: string) {
  let inFlight = 0;
  let maxInFlight = 0;
  const started: string[] = [];
  const labeler = {
    label: async (pair: PreferencePair): Promise<PairLabel> => {
      started.push(pair.id);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, delays[Number(pair.id.slice(1))] ?? 1));
      inFlight--;
      if (pair.id === failAt) throw new Error(`server died on ${pair.id}`);
      return { pairId: pair.id } as PairLabel;
    },
  };
  return { labeler, started, maxInFlight: () => maxInFlight };
}

describe('runBatch with concurrency', () => {
  it('keeps at most `concurrency` pairs in flight, starts them in order and saves each once, one save at a time', async () => {
    const { labeler, started, maxInFlight } = timedLabeler([9, 1, 5, 2, 7, 1, 3, 1, 4, 2]);
    let saving = 0;
    let overlapped = false;
    const saved: string[] = [];
    const result = await runBatch({
      labeler,
      pairs: pairs(10),
      labelled: new Set(['p3']),
      concurrency: 4,
      onLabel: async (label) => {
        overlapped ||= saving > 0;
        saving++;
        await new Promise((r) => setTimeout(r, 2));
        saving--;
        saved.push(label.pairId);
      },
    });
    expect(result).toEqual({ labelled: 9, skipped: 1 });
    expect(maxInFlight()).toBe(4);
    expect(started).toEqual(['p0', 'p1', 'p2', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    expect([...saved].sort()).toEqual(started.slice().sort());
    expect(saved[0]).not.toBe('p0'); // p0 is the slowest: later pairs were saved before it
    expect(overlapped).toBe(false);
  });

  it('on a failed pair starts no new one, saves the pairs already in flight, then reports the failure', async () => {
    const { labeler, started } = timedLabeler([1, 30, 30, 30, 1, 1, 1, 1], 'p0');
    const saved: string[] = [];
    const run = runBatch({
      labeler,
      pairs: pairs(8),
      labelled: new Set(),
      concurrency: 4,
      onLabel: (label) => void saved.push(label.pairId),
    });
    await expect(run).rejects.toBeInstanceOf(BatchLabelError);
    expect(started).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(saved.sort()).toEqual(['p1', 'p2', 'p3']); // nothing in flight was lost
  });

  it('cancels: rejects with CancelledError and keeps the labels finished before it', async () => {
    const { labeler } = timedLabeler([5, 5, 5, 5, 5, 5, 5, 5]);
    const controller = new AbortController();
    const saved: string[] = [];
    const run = runBatch({
      labeler,
      pairs: pairs(8),
      labelled: new Set(),
      concurrency: 2,
      signal: controller.signal,
      onLabel: (label) => {
        saved.push(label.pairId);
        if (saved.length === 3) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(saved.length).toBeGreaterThanOrEqual(3);
    expect(saved.length).toBeLessThan(8);
  });
});

describe('runBatch lanes', () => {
  it('keeps pairs of one context on one worker, one after another, while other contexts run beside them', async () => {
    const shared = pairs(6).map((p, i) => ({ ...p, context: `Post number ${i % 2}.` }));
    const inFlight = new Map<string, number>();
    let sameContextTogether = false;
    let maxInFlight = 0;
    let total = 0;
    const order: string[] = [];
    const labeler = {
      label: async (pair: PreferencePair): Promise<PairLabel> => {
        const n = (inFlight.get(pair.context) ?? 0) + 1;
        inFlight.set(pair.context, n);
        sameContextTogether ||= n > 1;
        maxInFlight = Math.max(maxInFlight, ++total);
        order.push(pair.id);
        await new Promise((r) => setTimeout(r, 3));
        inFlight.set(pair.context, n - 1);
        total--;
        return { pairId: pair.id } as PairLabel;
      },
    };
    const result = await runBatch({
      labeler,
      pairs: shared,
      labelled: new Set(),
      concurrency: 4,
      onLabel: () => {},
    });
    expect(result.labelled).toBe(6);
    expect(sameContextTogether).toBe(false);
    expect(maxInFlight).toBe(2); // two contexts, two lanes
    expect(order.filter((id) => Number(id.slice(1)) % 2 === 0)).toEqual(['p0', 'p2', 'p4']);
  });
});
