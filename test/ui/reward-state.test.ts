import { describe, expect, it } from 'vitest';
import { RewardFormatError } from '../../src/lib/reward/errors';
import { DEFAULT_LABELING } from '../../src/lib/rlaif/labeler';
import type { PairLabel } from '../../src/lib/rlaif/types';
import { Lab } from '../../src/ui/state/lab.svelte';
import {
  DEFAULT_SETTINGS,
  errorText,
  rewardLabFor,
  sanitizeSettings,
} from '../../src/ui/state/reward.svelte';

describe('Reward page state', () => {
  it('keeps one state per Lab, so models survive leaving the page', () => {
    const lab = new Lab();
    expect(rewardLabFor(lab)).toBe(rewardLabFor(lab));
    expect(rewardLabFor(new Lab())).not.toBe(rewardLabFor(lab));
  });

  it('splits the probe set without a run, and the run’s AI and human labels with one', async () => {
    const lab = new Lab();
    const rm = rewardLabFor(lab);
    expect(rm.split).toBeNull();
    await rm.ensureProbes();
    expect(rm.split?.heldOut).toHaveLength(18);
    expect(rm.split?.human).toHaveLength(72);
    expect(rm.split?.ai).toEqual([]);

    rm.settings.heldOutFraction = 0.5;
    expect(rm.split?.heldOut).toHaveLength(45);

    const pairs = rm.probes.slice(0, 20);
    const labels: PairLabel[] = pairs.map((pair) => ({
      pairId: pair.id,
      label: [0.7, 0.3],
      orders: { stored: { logprobs: [0, 0], probs: [0.7, 0.3], otherMass: 0 } },
      perOrder: { stored: [0.7, 0.3] },
      modelId: 'm',
      configHash: 'h',
    }));
    lab.currentRun = {
      id: 'r',
      name: 'run',
      pairs,
      labels,
      modelId: 'm',
      config: DEFAULT_LABELING,
    };
    expect(rm.split?.heldOut).toHaveLength(10);
    expect(rm.split?.ai).toHaveLength(10);
    expect(rm.split?.ai.every((t) => t.p === 0.7)).toBe(true);
  });

  it('clamps settings from form inputs (empty inputs give the defaults)', () => {
    const raw = {
      ...DEFAULT_SETTINGS,
      epochs: 2.6,
      lr: -1,
      hidden: null as unknown as number,
      valFraction: 3,
      heldOutFraction: NaN,
    };
    expect(sanitizeSettings(raw)).toEqual({
      ...DEFAULT_SETTINGS,
      epochs: 3,
      lr: 1e-6,
      hidden: DEFAULT_SETTINGS.hidden,
      valFraction: 0.9,
      heldOutFraction: DEFAULT_SETTINGS.heldOutFraction,
    });
  });

  it('names the error type and kind, so a bad import says what it is', () => {
    expect(errorText(new RewardFormatError('checksum', 'SHA differs'))).toBe(
      'RewardFormatError (checksum): SHA differs',
    );
    expect(errorText(new TypeError('x'))).toBe('TypeError: x');
    expect(errorText('plain')).toBe('plain');
  });
});
