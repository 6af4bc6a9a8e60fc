import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npx rlaif-lab` from the clone's root: package.json's bin, run through the tsx shim.
describe('npx rlaif-lab', () => {
  it('is declared in package.json and answers --help from the repository root', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      bin?: Record<string, string>;
    };
    expect(pkg.bin?.['rlaif-lab']).toBe('bin/rlaif-lab.js');
    const run = spawnSync('npx', ['--no-install', 'rlaif-lab', 'label', '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: rlaif-lab label <dataset-file \| probes>/);
  });
});
