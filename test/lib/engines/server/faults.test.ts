// A labeling run through a real llama.cpp llama-server behind a proxy that injects the failures of
// a busy or dying server: 429 with Retry-After, 5xx, an answer slower than the timeout, a cut
// connection. None may cost a label or change one; a server that dies mid-run ends the run with a
// clear message, keeps every label already made, and a rerun finishes the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerEngine } from '../../../../src/lib/engines/server/engine';
import { ServerUnreachableError } from '../../../../src/lib/engines/server/retry';
import { BatchLabelError, runBatch } from '../../../../src/lib/rlaif/batch';
import { createLabeler, DEFAULT_LABELING } from '../../../../src/lib/rlaif/labeler';
import type { PairLabel, PreferencePair } from '../../../../src/lib/rlaif/types';
import { readPairs } from '../../../../src/cli/dataset';
import { startFaultProxy, type FaultProxy } from '../../../support/fault-proxy';
import { nodeFetch, TINY_TOKENIZER } from '../../../support/node-fetch';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../../../support/llama-server';

const TOKENIZER = { source: TINY_TOKENIZER };
const binary = llamaServerBinary();
const missing = 'missing' in binary ? binary.missing : null;

// Short waits so the retries take milliseconds; a 400 ms timeout is far above an answer's ~10 ms.
const RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 400 };

let server: RunningLlamaServer;
let proxy: FaultProxy;
let pairs: PreferencePair[];
let reference: Map<string, PairLabel>;

async function engineVia(baseUrl: string): Promise<ServerEngine> {
  return ServerEngine.connect({
    baseUrl,
    kind: 'llamacpp',
    tokenizer: TOKENIZER,
    retry: RETRY,
    fetch: nodeFetch,
    maxInFlight: 8,
  });
}

async function labelAll(
  engine: ServerEngine,
  options: { labelled?: Set<string>; onLabel?: (label: PairLabel) => void } = {},
): Promise<Map<string, PairLabel>> {
  const saved = new Map<string, PairLabel>();
  await runBatch({
    labeler: createLabeler(engine, DEFAULT_LABELING, []),
    pairs,
    labelled: options.labelled ?? new Set(),
    concurrency: 4,
    onLabel: (label) => {
      saved.set(label.pairId, label);
      options.onLabel?.(label);
    },
  }).catch((error: unknown) => {
    throw Object.assign(error as Error, { saved });
  });
  return saved;
}

/** The soft label of a pair, the number the tests compare. */
const soft = (label: PairLabel | undefined) => label?.label[0] ?? NaN;

describe.skipIf(missing !== null)(
  `a run through a failing server (real llama-server${missing ? `; skipped: ${missing}` : ''})`,
  () => {
    beforeAll(async () => {
      server = await startLlamaServer({ slots: 4 });
      proxy = await startFaultProxy(server.baseUrl);
      pairs = (await readPairs('data/probes/summarization.jsonl', { report: () => {} })).slice(
        0,
        12,
      );
      const direct = await engineVia(server.baseUrl);
      reference = await labelAll(direct);
      await direct.dispose();
      expect(reference.size).toBe(pairs.length);
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await server?.stop();
    });

    it('429 with Retry-After, 500, 503, a slow answer and a cut connection cost no label', async () => {
      const engine = await engineVia(proxy.baseUrl);
      const path = '/completion';
      proxy.inject(
        [
          { kind: 'status', status: 429, retryAfterS: 0 },
          { kind: 'status', status: 503 },
          { kind: 'delay', ms: 900 }, // over the 400 ms timeout: aborted and retried
          { kind: 'reset' },
          { kind: 'status', status: 500 },
          { kind: 'status', status: 429, retryAfterS: 0 },
        ],
        path,
      );
      const labels = await labelAll(engine);
      expect(proxy.faultsServed).toBe(6);
      expect(engine.stats.retries).toBeGreaterThanOrEqual(6);
      expect([...labels.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [id, label] of labels) expect(soft(label)).toBeCloseTo(soft(reference.get(id)), 6);
      await engine.dispose();
    }, 60_000);

    it('a server that dies mid-run ends it with a clear message and keeps every label made; a rerun finishes', async () => {
      const engine = await engineVia(proxy.baseUrl);
      let failure: (Error & { saved?: Map<string, PairLabel> }) | null = null;
      try {
        await labelAll(engine, {
          onLabel: () => {
            if (proxy.seen.get('/completion')! >= 8) proxy.kill();
          },
        });
      } catch (error) {
        failure = error as Error & { saved?: Map<string, PairLabel> };
      }
      expect(failure).toBeInstanceOf(BatchLabelError);
      const cause = (failure as BatchLabelError).cause;
      expect(cause).toBeInstanceOf(ServerUnreachableError);
      expect(String((cause as Error).message)).toMatch(/did not answer after 4 tries/);
      const saved = failure!.saved!;
      expect(saved.size).toBeGreaterThan(0);
      expect(saved.size).toBeLessThan(pairs.length);
      for (const [id, label] of saved) expect(soft(label)).toBeCloseTo(soft(reference.get(id)), 6);

      proxy.revive();
      const rest = await labelAll(engine, { labelled: new Set(saved.keys()) });
      expect(rest.size).toBe(pairs.length - saved.size);
      const all = new Map([...saved, ...rest]);
      expect([...all.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [id, label] of all) expect(soft(label)).toBeCloseTo(soft(reference.get(id)), 6);
      await engine.dispose();
    }, 60_000);
  },
);
