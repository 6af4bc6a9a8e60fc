// `rlaif-lab label --engine server:<url>` end to end against a REAL llama-server loading the tiny
// Llama as GGUF: the same labels as the ONNX engine's run, within 1e-3. Skipped, with the reason
// in the name, when no llama-server binary is found.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabelsJsonl } from '../../src/lib/rlaif/datasets/labels';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../support/llama-server';
import { cli, ENGINE, tempDir } from './run-cli';

const binary = llamaServerBinary();
const missing = 'missing' in binary ? binary.missing : null;
const title = missing
  ? `rlaif-lab label --engine server: (skipped: ${missing})`
  : 'rlaif-lab label --engine server:';

describe.skipIf(missing !== null)(title, () => {
  let server: RunningLlamaServer;
  let dir: string;
  beforeAll(async () => {
    // CPU flash attention (default "auto") works in float16: ~1e-2 off in log-probs.
    server = await startLlamaServer({ slots: 8, ctx: 8 * 4096, extraArgs: ['-fa', 'off'] });
    dir = tempDir();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('labels the probe set with the same labels as the ONNX engine within 1e-3', async () => {
    const viaServer = join(dir, 'server.jsonl');
    const viaOnnx = join(dir, 'onnx.jsonl');
    const limit = ['--limit', '12'];
    const run = await cli(
      'label',
      'probes',
      '--engine',
      `server:${server.baseUrl}`,
      '--tokenizer',
      'models/tiny-llama',
      '--concurrency',
      '4',
      '--out',
      viaServer,
      ...limit,
    );
    expect(run.code, run.stderr).toBe(0);
    const onnx = await cli('label', 'probes', ...ENGINE, '--out', viaOnnx, ...limit);
    expect(onnx.code, onnx.stderr).toBe(0);
    const got = parseLabelsJsonl(readFileSync(viaServer, 'utf8')).labels;
    const want = parseLabelsJsonl(readFileSync(viaOnnx, 'utf8')).labels;
    // With pairs in flight, labels land in the order they finish.
    expect(got.map((l) => l.pairId).sort()).toEqual(want.map((l) => l.pairId).sort());
    expect(got).toHaveLength(12);
    const refs = new Map(want.map((l) => [l.pairId, l]));
    let maxDiff = 0;
    for (const label of got) {
      const ref = refs.get(label.pairId)!;
      for (const order of ['stored', 'swapped'] as const)
        for (const k of [0, 1])
          maxDiff = Math.max(
            maxDiff,
            Math.abs(label.orders[order]!.logprobs[k]! - ref.orders[order]!.logprobs[k]!),
          );
      expect(label.label[0]).toBeCloseTo(ref.label[0], 3);
    }
    expect(got.every((l) => l.modelId === server.baseUrl)).toBe(true);
    // The same command again resumes: every pair is already there under this model.
    const again = await cli(
      'label',
      'probes',
      '--engine',
      `server:${server.baseUrl}`,
      '--tokenizer',
      'models/tiny-llama',
      '--out',
      viaServer,
      ...limit,
    );
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining('Nothing to do')]);
    console.log(`CLI server vs ONNX labels: max |log-prob difference| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-3);
  }, 120_000);

  it('refuses a server engine without --tokenizer, saying why', async () => {
    const run = await cli(
      'label',
      'probes',
      '--engine',
      `server:${server.baseUrl}`,
      '--out',
      join(dir, 'x.jsonl'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--tokenizer/);
  });
});
