import { describe, expect, it } from 'vitest';
import {
  paperPercent,
  percentWithInterval,
  speakerSentence,
  summarizeRun,
  wilson,
} from '../../../../src/lib/rlaif/metrics';
import type { Choice, PreferencePair } from '../../../../src/lib/rlaif/types';
import { pairLabel } from './fixtures';

const pair = (id: string, humanChoice?: Choice): PreferencePair => ({
  id,
  task: 'summarization',
  context: `post ${id}`,
  candidates: ['a', 'b'],
  humanChoice,
  source: { format: 'native', line: 1 },
});

describe('summarizeRun', () => {
  const pairs = [pair('p1', 0), pair('p2', 1), pair('p3', 0), pair('p4')];

  it('measures alignment with a Wilson CI over pairs with a human label, and position bias', () => {
    const labels = [
      pairLabel('p1', [0.8, 0.2], [0.7, 0.3]), // right; same candidate in both orders
      pairLabel('p2', [0.9, 0.1], [0.2, 0.8]), // first slot both times; average 0.55 -> wrong
      pairLabel('p3', [0.6, 0.4], [0.9, 0.1]), // right
      pairLabel('p4', [0.3, 0.7], [0.4, 0.6]), // no human label: not in alignment's n
    ];
    const s = summarizeRun(pairs, labels);
    expect(s.labeled).toBe(4);
    expect(s.alignment.n).toBe(3);
    expect(s.alignment.correct).toBe(2);
    expect(s.alignment.skippedNoHuman).toBe(1);
    expect(s.alignment.accuracy).toEqual(wilson(2, 3));
    expect(s.positionBias?.n).toBe(4);
    expect(s.positionBias?.same).toBe(1);
    expect(s.positionBias?.first).toBe(1);
  });

  it('counts a re-labelled pair once, with its latest label', () => {
    const labels = [pairLabel('p1', [0.1, 0.9]), pairLabel('p1', [0.9, 0.1])];
    const s = summarizeRun(pairs, labels);
    expect(s.labeled).toBe(1);
    expect(s.alignment.n).toBe(1);
    expect(s.alignment.correct).toBe(1);
  });

  it('has no position bias without swapped orders, and NaN alignment without labels', () => {
    expect(summarizeRun(pairs, [pairLabel('p1', [0.6, 0.4])]).positionBias).toBeNull();
    const empty = summarizeRun(pairs, []);
    expect(empty.labeled).toBe(0);
    expect(empty.alignment.accuracy.estimate).toBeNaN();
  });
});

describe('speakerSentence', () => {
  const prompt = {
    task: 'summarization' as const,
    preamble: 'detailed' as const,
    cot: true,
    shots: 0,
  };

  it('compares with the paper’s row for the same prompt and gives the CI and n', () => {
    const alignment = { accuracy: wilson(57.6, 90), n: 90 };
    expect(speakerSentence({ modelId: 'SmolLM2-360M', prompt, alignment })).toBe(
      'PaLM 2 L got 78% (paper, Detailed + CoT, 0-shot); SmolLM2-360M gets 64% [54–73%] on these 90 pairs.',
    );
  });

  it('uses the same task’s column and keeps one decimal where the paper has one', () => {
    const alignment = { accuracy: wilson(1, 1), n: 1 };
    const sentence = speakerSentence({
      modelId: 'm',
      prompt: { ...prompt, task: 'helpful', cot: false, shots: 1 },
      alignment,
    });
    expect(sentence).toBe(
      'PaLM 2 L got 67.6% (paper, Detailed, 1-shot); m gets 100% [21–100%] on this 1 pair.',
    );
  });

  it('falls back to the paper’s headline when it has no row for the prompt', () => {
    const sentence = speakerSentence({
      modelId: 'm',
      prompt: { ...prompt, preamble: 'custom' },
      alignment: { accuracy: wilson(0, 0), n: 0 },
    });
    expect(sentence).toBe(
      'PaLM 2 L got 78% (paper, Detailed + CoT, 0-shot on summarization); m has no human-labelled pairs to compare with yet.',
    );
  });

  it('formats percentages', () => {
    expect(paperPercent(78.0)).toBe('78%');
    expect(paperPercent(77.5)).toBe('77.5%');
    expect(percentWithInterval({ estimate: 0.5, low: 0.2949, high: 0.7051 })).toBe('50% [29–71%]');
  });
});
