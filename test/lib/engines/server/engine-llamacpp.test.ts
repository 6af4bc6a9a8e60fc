// The server engine against a REAL llama-server loading the embedded tiny Llama exported to GGUF:
// the same prompt ids as the ONNX engine give the same next-token log-probs and the same greedy
// text. Skipped, with the reason in the name, when no llama-server binary is found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../../../../src/cli/engine';
import { loadExemplars, readPairs } from '../../../../src/cli/dataset';
import { ServerEngine } from '../../../../src/lib/engines/server/engine';
import {
  CancelledError,
  type GenerateRequest,
  type LabelerEngine,
  type NextTokenScores,
  type ScoreRequest,
} from '../../../../src/lib/rlaif/engine';
import { createLabeler, DEFAULT_LABELING } from '../../../../src/lib/rlaif/labeler';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../../../support/llama-server';
import { nodeFetch, TINY_TOKENIZER } from '../../../support/node-fetch';

/** CPU flash attention (on by default, "auto") works in float16: ~1e-2 off in log-probs. */
const EXACT = ['-fa', 'off'];

const binary = llamaServerBinary();
const missing = 'missing' in binary ? binary.missing : null;
const title = missing
  ? `ServerEngine on a real llama-server (skipped: ${missing})`
  : 'ServerEngine on a real llama-server';

/** Records every score request the labeler makes, with the ONNX engine's answers. */
function recording(engine: LabelerEngine) {
  const calls: { request: ScoreRequest; scores: NextTokenScores[] }[] = [];
  const recorder: LabelerEngine = {
    modelId: engine.modelId,
    tokenizer: engine.tokenizer,
    chatTemplate: engine.chatTemplate,
    scoreNextToken: async (request) => {
      const scores = await engine.scoreNextToken(request);
      calls.push({ request, scores });
      return scores;
    },
    generate: (request) => engine.generate(request),
    dispose: async () => {},
  };
  return { recorder, calls };
}

describe.skipIf(missing !== null)(title, () => {
  let server: RunningLlamaServer;
  let onnx: LabelerEngine;
  let engine: ServerEngine;
  let calls: ReturnType<typeof recording>['calls'];

  beforeAll(async () => {
    server = await startLlamaServer({ slots: 4, ctx: 4 * 4096, extraArgs: EXACT });
    onnx = (
      await loadEngine(
        { kind: 'onnx', source: 'models/tiny-llama' },
        { variant: 'fp32', threads: 1 },
      )
    ).engine;
    engine = await ServerEngine.connect({
      baseUrl: server.baseUrl,
      tokenizer: { source: TINY_TOKENIZER },
      fetch: nodeFetch,
      maxInFlight: 8,
    });
    // The probe set's score requests, as the labeler makes them (both orders of each pair).
    const rec = recording(onnx);
    calls = rec.calls;
    const pairs = await readPairs('probes', { report: () => {} });
    const exemplars = loadExemplars();
    for (const task of ['summarization', 'helpful', 'harmless'] as const) {
      const labeler = createLabeler(
        rec.recorder,
        { ...DEFAULT_LABELING, prompt: { ...DEFAULT_LABELING.prompt, task } },
        exemplars[task] ?? [],
      );
      for (const pair of pairs.filter((p) => p.task === task).slice(0, 15))
        await labeler.label(pair, { topK: 5 });
    }
  }, 120_000);

  afterAll(async () => {
    await onnx?.dispose();
    await server?.stop();
  });

  it('detects llama.cpp and sends the ONNX engine its exact ids', () => {
    expect(engine.kind).toBe('llamacpp');
    expect(engine.tokenizer.vocabSize).toBeLessThanOrEqual(1024); // asked whole: exact
  });

  it('log-probs of the answer tokens on the probe set equal the ONNX engine within 1e-3', async () => {
    expect(calls.length).toBeGreaterThan(10);
    let maxDiff = 0;
    let scored = 0;
    let topDiff = 0;
    // All at once: the engine's in-flight limit queues them over the server's slots.
    const answers = await Promise.all(
      calls.map(async ({ request }) => {
        const got = await engine.scoreNextToken(request);
        return { got, quality: engine.lastQuality };
      }),
    );
    for (const [n, { request, scores }] of calls.entries()) {
      const { got, quality } = answers[n]!;
      expect(quality).toMatchObject({ exact: true, missing: [] });
      for (const [c, score] of scores.entries()) {
        expect(got[c]!.promptTokens).toBe(score.promptTokens);
        for (const [i, lp] of score.logprobs.entries()) {
          maxDiff = Math.max(maxDiff, Math.abs(got[c]!.logprobs[i]! - lp));
          scored++;
        }
        // The top-k by value (two near-equal tokens may swap places between runtimes).
        expect(got[c]!.top).toHaveLength(request.topK!);
        for (const [k, t] of score.top.entries())
          topDiff = Math.max(topDiff, Math.abs(got[c]!.top[k]!.logprob - t.logprob));
      }
    }
    console.log(
      `llama.cpp vs ONNX: ${scored} answer log-probs, max |difference| ${maxDiff.toExponential(2)}; top-5 ${topDiff.toExponential(2)}`,
    );
    expect(maxDiff).toBeLessThan(1e-3);
    expect(topDiff).toBeLessThan(1e-3);
    expect(engine.stats.cachedTokens).toBeGreaterThan(0); // pairs share prefixes: slots reuse them
  }, 120_000);

  const prompt = (): Pick<GenerateRequest, 'prefix' | 'continuation'> => {
    const { request } = calls[0]!;
    return { prefix: request.prefix, continuation: request.continuations[0]! };
  };

  it("greedy generation equals the ONNX engine's text and token log-probs; streamed pieces join to it", async () => {
    const request: GenerateRequest = { ...prompt(), maxTokens: 24, temperature: 0, seed: 1 };
    const want = await onnx.generate(request);
    const pieces: string[] = [];
    const got = await engine.generate({ ...request, onToken: (t) => pieces.push(t) });
    expect(got.text).toBe(want.text);
    expect(got.tokens).toBe(want.tokens);
    expect(got.finishReason).toBe(want.finishReason);
    expect(pieces.join('')).toBe(got.text);
    // llama.cpp sends no event for a token ending inside a UTF-8 character: then no list at all.
    if (got.tokenLogprobs) {
      expect(got.tokenLogprobs.map((t) => t.id)).toEqual(want.tokenLogprobs!.map((t) => t.id));
      const diffs = got.tokenLogprobs.map((t, i) =>
        Math.abs(t.logprob - want.tokenLogprobs![i]!.logprob),
      );
      expect(Math.max(...diffs)).toBeLessThan(1e-3);
    }
  }, 60_000);

  it('stops before a stop string, never showing it, like the ONNX engine', async () => {
    const free = await onnx.generate({ ...prompt(), maxTokens: 24, temperature: 0 });
    expect(free.text.length).toBeGreaterThan(6);
    const stop = free.text.slice(4, 7);
    const request: GenerateRequest = { ...prompt(), maxTokens: 24, temperature: 0, stop: [stop] };
    const want = await onnx.generate(request);
    const pieces: string[] = [];
    const got = await engine.generate({ ...request, onToken: (t) => pieces.push(t) });
    expect(got.text).toBe(want.text);
    expect(got.finishReason).toBe('stop');
    expect(pieces.join('')).toBe(got.text);
    expect(pieces.join('')).not.toContain(stop);
  }, 60_000);

  it('cancelling mid-stream rejects with CancelledError and the server goes on serving', async () => {
    const controller = new AbortController();
    let pieces = 0;
    const run = engine.generate({
      ...prompt(),
      maxTokens: 400,
      temperature: 1,
      seed: 3,
      signal: controller.signal,
      onToken: () => {
        if (++pieces === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(pieces).toBe(2);
    const after = await engine.generate({ ...prompt(), maxTokens: 4, temperature: 0 });
    expect(after.tokens).toBeGreaterThan(0);
  }, 60_000);
});
