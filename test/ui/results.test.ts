import { describe, expect, it } from 'vitest';
import { DEFAULT_LABELING, type LabelingConfig } from '../../src/lib/rlaif/labeler';
import { summarizeRun } from '../../src/lib/rlaif/metrics/summary';
import type { PreferencePair } from '../../src/lib/rlaif/types';
import { ResultsRegistry, settingExtras } from '../../src/ui/state/results.svelte';
import { pairLabel } from '../lib/rlaif/metrics/fixtures';

const pairs: PreferencePair[] = ['a', 'b', 'c'].map((id) => ({
  id,
  task: 'summarization',
  context: 'x',
  candidates: ['1', '2'],
  humanChoice: 0,
  source: { format: 'native', line: 1 },
}));
const detailed: LabelingConfig = {
  ...DEFAULT_LABELING,
  prompt: { ...DEFAULT_LABELING.prompt, preamble: 'detailed', cot: true },
};
const run = (config: LabelingConfig, modelId = 'm') => ({
  id: 'r1',
  name: 'probes',
  modelId,
  config,
});

describe('results registry', () => {
  it('keeps one history entry per run, model and prompt, updated as labels arrive', () => {
    const registry = new ResultsRegistry();
    registry.recordRun(run(detailed), summarizeRun(pairs, []));
    expect(registry.history).toEqual([]); // nothing measured yet
    registry.recordRun(
      run(detailed),
      summarizeRun(pairs, [pairLabel('a', [0.9, 0.1], [0.1, 0.9])]),
    );
    registry.recordRun(
      run(detailed),
      summarizeRun(pairs, [pairLabel('a', [0.9, 0.1], [0.1, 0.9]), pairLabel('b', [0.2, 0.8])]),
    );
    expect(registry.history).toHaveLength(1);
    const [entry] = registry.history;
    expect(entry?.promptLabel).toBe('Detailed + CoT, 0-shot');
    expect(entry?.labeled).toBe(2);
    expect(entry?.alignment.n).toBe(2);
    expect(entry?.positionBias?.slot).toBe('first');
    expect(entry?.positionBias?.slotShare).toBe(1);

    registry.recordRun(run(DEFAULT_LABELING), summarizeRun(pairs, [pairLabel('a', [0.6, 0.4])]));
    registry.recordRun(run(detailed, 'other'), summarizeRun(pairs, [pairLabel('a', [0.6, 0.4])]));
    expect(registry.history.map((r) => `${r.modelId} ${r.promptLabel}`)).toEqual([
      'm Detailed + CoT, 0-shot',
      'm Base, 0-shot',
      'other Detailed + CoT, 0-shot',
    ]);
    expect(registry.history[1]?.positionBias).toBeNull();
    registry.clearHistory();
    expect(registry.history).toEqual([]);
  });

  it('records the latest reward-model accuracy per label kind and rejects impossible values', () => {
    const registry = new ResultsRegistry();
    const entry = { labels: 'ai' as const, accuracy: 0.7, lo: 0.6, hi: 0.8, n: 100, encoder: 'e' };
    registry.recordRmAccuracy(entry);
    registry.recordRmAccuracy({ ...entry, labels: 'human', accuracy: 0.75 });
    registry.recordRmAccuracy({ ...entry, accuracy: 0.65 });
    expect(registry.rm.ai?.accuracy).toBe(0.65);
    expect(registry.rm.human?.accuracy).toBe(0.75);
    expect(() => registry.recordRmAccuracy({ ...entry, accuracy: 70 })).toThrow(RangeError);
    expect(() => registry.recordRmAccuracy({ ...entry, lo: 0.75 })).toThrow(/outside/);
    expect(() => registry.recordRmAccuracy({ ...entry, n: 1.5 })).toThrow(RangeError);
    expect(() => registry.recordRmAccuracy({ ...entry, hi: NaN })).toThrow(RangeError);
  });

  it('names the settings that differ from the paper’s setup', () => {
    expect(settingExtras(DEFAULT_LABELING)).toEqual([]);
    expect(settingExtras({ ...detailed, samples: 4, temperature: 0.7 })).toEqual([
      '4 samples at T=0.7',
    ]);
    expect(settingExtras({ ...DEFAULT_LABELING, debias: false })).toEqual(['one order only']);
    expect(settingExtras({ ...DEFAULT_LABELING, averaging: 'logprob' })).toEqual([
      'log-prob averaging',
    ]);
  });
});
