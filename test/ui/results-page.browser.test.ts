// The Results page with a run open: the speaker's sentence, the user's numbers beside the paper's,
// the run history (recorded as labels arrive) and reward-model accuracy from the registry.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LABELING } from '../../src/lib/rlaif/labeler';
import type { PreferencePair } from '../../src/lib/rlaif/types';
import { Lab, type RunView } from '../../src/ui/state/lab.svelte';
import { recordRmAccuracy, recordRunsOf, results } from '../../src/ui/state/results.svelte';
import { pairLabel } from '../lib/rlaif/metrics/fixtures';
import ResultsHarness from './ResultsHarness.svelte';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const pairs: PreferencePair[] = Array.from({ length: 10 }, (_, i) => ({
  id: `p${i}`,
  task: 'summarization',
  context: `post ${i}`,
  candidates: ['good', 'bad'],
  humanChoice: 0,
  source: { format: 'native', line: i + 1 },
}));

/** Labels for the first `count` pairs: 8 of 10 right; pair 0 picks the first slot in both orders. */
function labelsFor(from: number, to: number) {
  return pairs.slice(from, to).map((p, k) => {
    const i = from + k;
    if (i === 0) return pairLabel(p.id, [0.9, 0.1], [0.2, 0.8]); // position-biased, still right
    return i < 8
      ? pairLabel(p.id, [0.8, 0.2], [0.7, 0.3])
      : pairLabel(p.id, [0.3, 0.7], [0.2, 0.8]);
  });
}

function openRun(lab: Lab, labelled: number, name = `probes ${HOSTILE}`): RunView {
  lab.currentRun = {
    id: 'run-1',
    name,
    pairs,
    labels: labelsFor(0, labelled),
    modelId: 'SmolLM2-360M',
    config: {
      ...DEFAULT_LABELING,
      prompt: { ...DEFAULT_LABELING.prompt, preamble: 'detailed', cot: true },
    },
  };
  return lab.currentRun;
}

describe('Results page with a run', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    cleanup.forEach((f) => f());
    cleanup = [];
    results.clearHistory();
  });

  function render() {
    const lab = new Lab();
    const target = document.body.appendChild(document.createElement('div'));
    const component = mount(ResultsHarness, { target, props: { lab } });
    const stop = recordRunsOf(lab);
    cleanup.push(() => {
      stop();
      void unmount(component);
      target.remove();
    });
    return { lab, target };
  }
  const text = (root: HTMLElement, testid: string) =>
    root.querySelector(`[data-testid="${testid}"]`)?.textContent?.replace(/\s+/g, ' ').trim();

  it('reads out the run next to the paper, marks the matching prompt row, and renders names as text', () => {
    const { lab, target } = render();
    expect(text(target, 'no-run')).toMatch(/No measurements/);
    openRun(lab, 10);
    flushSync();
    expect(text(target, 'speaker-sentence')).toBe(
      'PaLM 2 L got 78% (paper, Detailed + CoT, 0-shot); SmolLM2-360M gets 80% [49–94%] on these 10 pairs.',
    );
    expect(target.querySelector('[data-testid="no-run"]')).toBeNull();
    const marked = target.querySelector('[data-testid="paper-alignment"] tr.match');
    expect(marked?.textContent).toMatch(/Detailed \+ CoT, 0-shot\s*your prompt\s*78\.0%/);
    expect(text(target, 'current-run')).toContain(`probes ${HOSTILE}`);
    expect(target.querySelector('img')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('keeps a history row per run and prompt, updated live as labels arrive', () => {
    const { lab, target } = render();
    const run = openRun(lab, 4, 'probes');
    flushSync();
    expect(results.history).toHaveLength(1);
    expect(results.history[0]?.labeled).toBe(4);
    // As the Dataset page adds labels: a new run object each time (the Lab holds it raw).
    lab.currentRun = { ...run, labels: [...run.labels, ...labelsFor(4, 10)] };
    flushSync();
    expect(results.history).toHaveLength(1);
    expect(results.history[0]?.labeled).toBe(10);
    const rows = target.querySelectorAll('[data-testid="run-history"] tbody tr');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toMatch(
      /probes.*SmolLM2-360M.*Detailed \+ CoT, 0-shot.*80%.*10.*78\.0%/s,
    );
    const bias = target.querySelector('[data-testid="position-bias"] tr.yours');
    expect(bias?.textContent).toMatch(/SmolLM2-360M.*10%.*first \(100%\)/s);

    lab.currentRun = {
      ...lab.currentRun!,
      config: DEFAULT_LABELING,
      labels: lab.currentRun!.labels.slice(0, 2),
    };
    flushSync();
    expect(results.history.map((r) => r.promptLabel)).toEqual([
      'Detailed + CoT, 0-shot',
      'Base, 0-shot',
    ]);
  });

  it('shows reward-model accuracy the Reward page reports', () => {
    const { target } = render();
    recordRmAccuracy({
      labels: 'ai',
      accuracy: 0.7,
      lo: 0.61,
      hi: 0.78,
      n: 120,
      encoder: 'MiniLM',
    });
    recordRmAccuracy({
      labels: 'human',
      accuracy: 0.74,
      lo: 0.65,
      hi: 0.81,
      n: 120,
      encoder: 'MiniLM',
    });
    flushSync();
    const cells = target.querySelectorAll('[data-testid="rm-yours"] > *');
    expect([...cells].map((c) => c.textContent?.trim())).toEqual([
      'Yours (MiniLM)',
      '74% [65–81%], n = 120',
      '70% [61–78%], n = 120',
    ]);
  });
});
