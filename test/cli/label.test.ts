import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportLabelsJsonl } from '../../src/lib/rlaif/datasets/export';
import { labelsForRun, parseLabelsJsonl } from '../../src/lib/rlaif/datasets/labels';
import { DEFAULT_LABELING, labelingConfigHash } from '../../src/lib/rlaif/labeler';
import {
  calibration,
  confidenceCalibrationInput,
  humansFor,
  positionBias,
  alignment,
} from '../../src/lib/rlaif/metrics';
import { parseDataset } from '../../src/lib/rlaif/datasets';
import type { Summary } from '../../src/cli/summary';
import { readProbes, tldrComparisons } from '../support/tldr-fixture';
import { cli, ENGINE, tempDir } from './run-cli';

// The CLI end to end, in-process, on the embedded tiny model (ONNX on WASM in Node).
let dir: string;
beforeAll(() => {
  dir = tempDir();
});

const labelsOf = (path: string) => parseLabelsJsonl(readFileSync(path, 'utf8'));

describe('rlaif-lab label', () => {
  it('labels the built-in probes into the app labels format, and the summary is the core metrics', async () => {
    const out = join(dir, 'probes.jsonl');
    const json = join(dir, 'probes.summary.json');
    const run = await cli(
      'label',
      'probes',
      ...ENGINE,
      '--out',
      out,
      '--limit',
      '5',
      '--summary-json',
      json,
    );
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    const { labels, errors } = labelsOf(out);
    expect(errors).toEqual([]);
    expect(labels.map((l) => l.pairId)).toEqual([
      'summ-001',
      'summ-002',
      'summ-003',
      'summ-004',
      'summ-005',
    ]);
    // The file is exactly what the app's labels export writes for these labels.
    expect(exportLabelsJsonl(labels)).toBe(text);
    expect(labels.every((l) => l.modelId === 'models/tiny-llama' && l.orders.swapped)).toBe(true);

    const probes = (
      await parseDataset(readFileSync('data/probes/summarization.jsonl', 'utf8'))
    ).pairs.slice(0, 5);
    const humans = humansFor(labels, probes);
    const input = confidenceCalibrationInput(labels, humans);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    expect(summary.labelled).toBe(5);
    expect(summary.alignment).toEqual(alignment(labels, humans));
    expect(summary.positionBias).toEqual(positionBias(labels));
    expect(summary.calibration).toEqual(
      JSON.parse(JSON.stringify(calibration(input.probs, input.outcomes, 10))),
    );
    expect(summary.engine?.prefixHits).toBeGreaterThan(0);
    expect(run.stdout).toContain(`on 5 pairs`);
    expect(run.stderr).toContain('24 pairs of other tasks skipped');
  });

  it("imports into a Dataset-page run of the same pairs made with the app's default settings", async () => {
    // What the Dataset page does with a labels file (DatasetState.importLabels).
    const exemplars = JSON.parse(readFileSync('data/exemplars.json', 'utf8')) as {
      summarization: [];
    };
    const runHash = labelingConfigHash(DEFAULT_LABELING, exemplars.summarization);
    const probes = (await parseDataset(readFileSync('data/probes/summarization.jsonl', 'utf8')))
      .pairs;
    const found = labelsForRun(readFileSync(join(dir, 'probes.jsonl'), 'utf8'), {
      pairIds: new Set(probes.map((p) => p.id)),
      configHash: runHash,
    });
    expect(found).toMatchObject({ otherConfig: 0, unknownPair: 0, errors: [] });
    expect(found.accepted.map((l) => l.pairId)).toHaveLength(5);
    const other = labelsForRun(readFileSync(join(dir, 'probes.jsonl'), 'utf8'), {
      pairIds: new Set(probes.map((p) => p.id)),
      configHash: 'another',
    });
    expect(other).toMatchObject({ accepted: [], otherConfig: 5 });
  });

  it('a second run over a finished file does nothing and says so', async () => {
    const out = join(dir, 'probes.jsonl');
    const before = readFileSync(out, 'utf8');
    const run = await cli('label', 'probes', ...ENGINE, '--out', out, '--limit', '5');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Nothing to do: all 5 pairs are already labelled');
    expect(run.stdout).toContain('0 labelled, 5 already done');
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  it('labels a TL;DR file with bad lines: their numbers on stderr, every good pair labelled, TRL export', async () => {
    const lines = tldrComparisons(readProbes().slice(0, 2), 2).trim().split('\n');
    lines.splice(1, 0, '{"info": {"id": "x"}, "summaries": [], "choice": 0}'); // line 2
    lines.splice(3, 0, 'not json'); // line 4
    const file = join(dir, 'tldr-bad.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'tldr-bad.labels.jsonl');
    const run = await cli('label', file, ...ENGINE, '--out', out, '--export', 'trl');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Read 4 pairs; 2 bad lines skipped');
    expect(run.stderr).toMatch(/line 2: .*summar/);
    expect(run.stderr).toMatch(/line 4: invalid JSON/);
    expect(labelsOf(out).labels).toHaveLength(4);
    const trl = readFileSync(join(dir, 'tldr-bad.labels.trl.jsonl'), 'utf8').trim().split('\n');
    expect(trl).toHaveLength(4);
    const first = JSON.parse(trl[0]!) as { ai_soft_label: [number, number] };
    expect(first.ai_soft_label[0]).toBeGreaterThanOrEqual(first.ai_soft_label[1]);
  });

  it('exits 1 when nothing could be read, with the per-line report', async () => {
    const file = join(dir, 'garbage.jsonl');
    writeFileSync(file, 'nope\n{"a": 1}\n');
    const run = await cli('label', file, ...ENGINE, '--out', join(dir, 'none.jsonl'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 1:');
    expect(run.stderr).toContain('no pair could be read');
  });

  it('labels pairs sharing a context back to back, with labels identical to file order', async () => {
    const file = join(dir, 'tldr.jsonl');
    // Four posts: more contexts than the engine's prefix cache holds (4 entries, one the preamble).
    writeFileSync(file, tldrComparisons(readProbes().slice(0, 4), 2));
    const grouped = join(dir, 'grouped.jsonl');
    const plain = join(dir, 'plain.jsonl');
    const g = await cli(
      'label',
      file,
      ...ENGINE,
      '--out',
      grouped,
      '--summary-json',
      `${grouped}.json`,
    );
    const p = await cli(
      'label',
      file,
      ...ENGINE,
      '--out',
      plain,
      '--no-group',
      '--summary-json',
      `${plain}.json`,
    );
    expect([g.code, p.code]).toEqual([0, 0]);
    const order = (path: string) => labelsOf(path).labels.map((l) => l.pairId);
    const posts = ['summ-001', 'summ-002', 'summ-003', 'summ-004'];
    expect(order(plain)).toEqual([
      ...posts.map((p, i) => `${p}-${i + 1}`),
      ...posts.map((p, i) => `${p}-${i + 5}`),
    ]);
    expect(order(grouped)).toEqual(posts.flatMap((p, i) => [`${p}-${i + 1}`, `${p}-${i + 5}`]));
    const byId = (path: string) => new Map(labelsOf(path).labels.map((l) => [l.pairId, l]));
    expect(byId(grouped)).toEqual(byId(plain));
    // The context is computed once per post when grouped, once per pair otherwise.
    const stats = (path: string) =>
      (JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Summary).engine!;
    expect(stats(grouped).tokensComputed).toBeLessThan(stats(plain).tokensComputed);
    expect(stats(grouped).prefixHits - stats(plain).prefixHits).toBe(4);
  });
});

describe('rlaif-lab usage', () => {
  it('has --help for every command', async () => {
    for (const argv of [
      ['--help'],
      ['label', '--help'],
      ['inspect', '--help'],
      ['help', 'label'],
    ]) {
      const run = await cli(...argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: rlaif-lab/);
    }
  });

  it('rejects a server engine without --tokenizer or URL, server flags on onnx, and unknown flags with exit 2', async () => {
    const server = await cli('label', 'probes', '--engine', 'server:http://localhost:8000');
    expect(server.code).toBe(2);
    expect(server.stderr).toContain('needs --tokenizer');
    const noUrl = await cli('label', 'probes', '--engine', 'server:localhost', '--tokenizer', 'x');
    expect([noUrl.code, noUrl.stderr]).toEqual([2, expect.stringContaining('base URL')]);
    const onnx = await cli('label', 'probes', ...ENGINE, '--server-model', 'm');
    expect([onnx.code, onnx.stderr]).toEqual([2, expect.stringContaining('--server-model')]);
    const flag = await cli('label', 'probes', ...ENGINE, '--bogus');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--bogus');
  });
});

describe('rlaif-lab inspect', () => {
  it('prints both orders of a pair with token counts per segment', async () => {
    const run = await cli('inspect', 'probes', ...ENGINE, '--pair', 'summ-003', '--json');
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      orders: Record<string, { total: number; counts: Record<string, number>; text: string }>;
    };
    const { stored, swapped } = parsed.orders;
    expect(stored!.text.endsWith('Preferred Summary=')).toBe(true);
    expect(Object.values(stored!.counts).reduce((a, b) => a + b)).toBe(stored!.total);
    expect(swapped!.counts.pair).toBe(stored!.counts.pair); // the shared context
    const text = await cli('inspect', 'probes', ...ENGINE, '--pair', '3');
    expect(text.stdout).toContain('=== Pair summ-003, stored order');
    expect(text.stdout).toContain('=== Pair summ-003, swapped order');
  });
});
