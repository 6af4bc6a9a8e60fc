import { describe, expect, it } from 'vitest';
import { EXEMPLARS, loadProbes } from '../../../src/lib/rlaif/probes';

describe('the built-in probe set, read by the project parser', () => {
  it('parses every probe with no errors and keeps the human choice and defect', async () => {
    const probes = await loadProbes();
    const count = (task: string) => probes.filter((p) => p.task === task).length;
    expect([count('summarization'), count('helpful'), count('harmless')]).toEqual([66, 12, 12]);
    expect(probes.every((p) => p.humanChoice === 0 || p.humanChoice === 1)).toBe(true);
    expect(new Set(probes.filter((p) => p.task === 'summarization').map((p) => p.defect))).toEqual(
      new Set([
        'factual-error',
        'missing-key-point',
        'incoherence',
        'verbosity',
        'copying',
        'invented-detail',
      ]),
    );
    expect(probes[0]).toMatchObject({ id: 'summ-001', source: { format: 'native', line: 1 } });
  });
  it('has three exemplars per task with rationales', () => {
    for (const task of ['summarization', 'helpful', 'harmless'] as const) {
      expect(EXEMPLARS[task]).toHaveLength(3);
      expect(EXEMPLARS[task].every((e) => e.rationale && e.candidates.length === 2)).toBe(true);
    }
  });
});
