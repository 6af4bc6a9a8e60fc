import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLabelsJsonl } from '../../src/lib/rlaif/datasets/labels';
import { readProbes, tldrComparisons } from '../support/tldr-fixture';
import { cli, ENGINE, spawnCli, tempDir } from './run-cli';

// Resume after a kill -9: the CLI runs as its own process and is SIGKILLed once a few labels are
// on disk; a second run must end with every pair exactly once, labelled as an uninterrupted run.
let dir: string;
let file: string;
let reference: Map<string, string>;

const lines = (path: string) =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
const byId = (path: string) =>
  new Map(lines(path).map((l) => [(JSON.parse(l) as { pairId: string }).pairId, l]));

beforeAll(async () => {
  dir = tempDir();
  file = join(dir, 'tldr.jsonl');
  writeFileSync(file, tldrComparisons(readProbes().slice(0, 5), 2));
  const out = join(dir, 'reference.jsonl');
  expect((await cli('label', file, ...ENGINE, '--out', out)).code).toBe(0);
  reference = byId(out);
  expect(reference.size).toBe(10);
});

/** Start the CLI, wait for `n` complete lines in `out`, then SIGKILL it. */
async function killAfter(out: string, n: number): Promise<number> {
  const child = spawnCli(['label', file, ...ENGINE, '--out', out]);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (lines(out).length < n && !exitedEarly) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode, 'the run finished before it could be killed').toBe('SIGKILL');
  return lines(out).length;
}

describe('rlaif-lab label after kill -9', () => {
  it('resumes: every pair exactly once, labels equal to an uninterrupted run', async () => {
    const out = join(dir, 'killed.jsonl');
    const before = await killAfter(out, 3);
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(10);
    const rerun = await cli('label', file, ...ENGINE, '--out', out);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`Labelling ${10 - before} of 10 pairs`);
    const ids = lines(out).map((l) => (JSON.parse(l) as { pairId: string }).pairId);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(byId(out)).toEqual(reference);
    expect(existsSync(`${out}.lock`)).toBe(false); // the killed run's stale lock was taken over
  });

  it('refuses an output another live run is writing, touching nothing', async () => {
    const out = join(dir, 'locked.jsonl');
    writeFileSync(`${out}.lock`, String(process.pid)); // a live process: this test's own
    const run = await cli('label', file, ...ENGINE, '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`being written by another rlaif-lab run (pid ${process.pid})`);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(String(process.pid));
  });

  it('drops a torn last line, says so, and labels that pair again', async () => {
    const out = join(dir, 'torn.jsonl');
    const [first, second] = [...reference.values()];
    writeFileSync(out, `${first}\n`);
    appendFileSync(out, second!.slice(0, 40)); // what a kill in the middle of a write leaves
    const rerun = await cli('label', file, ...ENGINE, '--out', out);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('dropped a torn last line (40 bytes');
    expect(rerun.stderr).toContain('Labelling 9 of 10 pairs');
    expect(parseLabelsJsonl(readFileSync(out, 'utf8')).errors).toEqual([]);
    expect(byId(out)).toEqual(reference);
    expect(lines(out)).toHaveLength(10);
  });

  it('refuses a labels file with a broken line before its end, touching nothing', async () => {
    const out = join(dir, 'broken.jsonl');
    const content = `${[...reference.values()][0]}\n{oops\n${[...reference.values()][1]}\n`;
    writeFileSync(out, content);
    const rerun = await cli('label', file, ...ENGINE, '--out', out);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain('line 2 is not a label');
    expect(readFileSync(out, 'utf8')).toBe(content);
  });
});
