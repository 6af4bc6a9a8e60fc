// Shared by the store tests (Node with fake-indexeddb, and Chromium's real IndexedDB).
import { DEFAULT_LABELING } from '../../../src/lib/rlaif/labeler';
import type { PairLabel, PreferencePair } from '../../../src/lib/rlaif/types';
import type { NewRewardModel, NewRun } from '../../../src/lib/store';

export function somePairs(n: number): PreferencePair[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    task: 'summarization' as const,
    context: `Context ${i}`,
    candidates: [`a${i}`, `b${i}`] as [string, string],
    humanChoice: (i % 2) as 0 | 1,
    source: { format: 'native' as const, line: i + 1 },
  }));
}

export function newRun(n: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    name: 'Probe run',
    source: { kind: 'probes', description: 'built-in probes' },
    task: 'summarization',
    config: DEFAULT_LABELING,
    configHash: 'hash-1',
    modelId: 'tiny',
    pairs: somePairs(n),
    errors: [{ line: 3, reason: 'invalid JSON' }],
    ...overrides,
  };
}

export function labelFor(pairId: string, p0: number, configHash = 'hash-1'): PairLabel {
  const score = { logprobs: [Math.log(p0), Math.log(1 - p0)] as [number, number] };
  return {
    pairId,
    label: [p0, 1 - p0],
    orders: { stored: { ...score, probs: [p0, 1 - p0], otherMass: 0 } },
    perOrder: { stored: [p0, 1 - p0] },
    modelId: 'tiny',
    configHash,
  };
}

/** A reward model to save with a run: the bytes are made up, the store never parses them. */
export function rewardModelFor(runId: string, slot: 'ai' | 'human', seed = 1): NewRewardModel {
  return {
    runId,
    slot,
    manifest: JSON.stringify({ format: 'rlaif-lab/reward-model', slot, seed }),
    head: Uint8Array.from({ length: 300 }, (_, i) => (i * 31 + seed) % 256),
    encoderModelId: './models/tiny-encoder/',
    encoderFingerprint: `fp-${seed}`,
    splitKey: slot === 'ai' ? 'split-1' : null,
  };
}
