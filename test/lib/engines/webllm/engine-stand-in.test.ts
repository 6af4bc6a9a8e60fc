// WebLlmEngine against a stand-in that behaves like web-llm 0.2.86 where the engine depends on it
// (stand-in.ts cites the web-llm function behind each behaviour): requests from several pages at
// once, stop strings in a stream, a lost device, a cancel before the stream starts, and web-llm's
// own prompt token count.
import { describe, expect, it } from 'vitest';
import {
  WebLlmEngine,
  type WebLlmEngineOptions,
  type WebLlmNotice,
} from '../../../../src/lib/engines/webllm/engine';
import type { WebLlmError } from '../../../../src/lib/engines/webllm/errors';
import { isModelLost } from '../../../../src/lib/engines/webllm/watch-engine';
import { CancelledError } from '../../../../src/lib/rlaif/engine';
import { byteLevelBpe } from '../../../support/tokenizers';
import { StandInWebLlm, standInWorker, type StandInOptions } from './stand-in';

const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const VOCAB = byteLevelBpe([]);
const ONE = VOCAB.model.vocab['1']!;
const TWO = VOCAB.model.vocab['2']!;
const SIZE = VOCAB.added_tokens.length + 256;

const tokenizerHost = (async (input: RequestInfo | URL) =>
  String(input).endsWith('/tokenizer.json')
    ? Response.json(VOCAB)
    : new Response('missing', { status: 404 })) as typeof fetch;

/** P("1") = 0.75 after a prompt ending in "=", 0.5 anywhere else (e.g. mid-rationale). */
function logits(text: string): Float32Array {
  const row = new Float32Array(SIZE).fill(-30);
  row[ONE] = text.endsWith('=') ? Math.log(3) : 0;
  row[TWO] = 0;
  return row;
}

async function engineWith(
  options: Partial<StandInOptions> = {},
  extra: Partial<WebLlmEngineOptions> = {},
) {
  const mlc = new StandInWebLlm({ logits, ...options });
  const { worker, crash } = standInWorker(mlc);
  const engine = await WebLlmEngine.create({
    modelId: MODEL,
    fetch: tokenizerHost,
    cache: null,
    createWorker: () => worker,
    createEngine: async () => mlc.asMlc(),
    ...extra,
  });
  return { engine, mlc, crash };
}

const score = (engine: WebLlmEngine, continuation: string) =>
  engine.scoreNextToken({ prefix: ['Q\n'], continuations: [continuation], tokenIds: [ONE, TWO] });
const RATIONALE = Array.from({ length: 12 }, () => ' think');

describe('WebLlmEngine on the web-llm stand-in: one request at a time', () => {
  it("scores from the score's own logits while a rationale streams on the same engine", async () => {
    const { engine } = await engineWith({ script: RATIONALE });
    const generating = engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 20,
      temperature: 0,
    });
    const [s] = await score(engine, 'A=');
    expect(Math.exp(s!.logprobs[0]!)).toBeCloseTo(0.75, 6); // not a decode step's 0.5
    await generating;
  });

  it('keeps two overlapping scores apart (the Label page re-labels without waiting)', async () => {
    const { engine } = await engineWith();
    const [a, b] = await Promise.all([score(engine, 'A='), score(engine, 'A:')]);
    expect(Math.exp(a![0]!.logprobs[0]!)).toBeCloseTo(0.75, 6);
    expect(Math.exp(b![0]!.logprobs[0]!)).toBeCloseTo(0.5, 6);
  });

  it('fails with a typed error, not a biased read, when the worker captured nothing', async () => {
    const { engine, mlc } = await engineWith();
    mlc.processor = undefined; // the registry did not reach the pipeline
    await expect(score(engine, 'A=')).rejects.toMatchObject({ kind: 'capture-failed' });
  });

  it('rejects NaN logits (fp16 overflow) with a clear error', async () => {
    const { engine } = await engineWith({ logits: () => new Float32Array(SIZE).fill(NaN) });
    const error = await score(engine, 'A=').catch((e: WebLlmError) => e);
    expect(error).toMatchObject({ kind: 'bad-logits' });
    expect((error as WebLlmError).message).toMatch(/q4f32/);
  });
});

describe('WebLlmEngine on the web-llm stand-in: generation', () => {
  const STOP = '\nPreferred Summary=';

  it('never lets a stop string, or a prefix of one, into the text', async () => {
    const script = ['Because', ' it is', ' short.', '\n', 'Preferred', ' Summary', '=', '1'];
    const { engine } = await engineWith({ script });
    const pieces: string[] = [];
    const result = await engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 32,
      temperature: 0,
      stop: [STOP],
      onToken: (t) => pieces.push(t),
    });
    expect(result.text).toBe('Because it is short.');
    expect(pieces.join('')).toBe('Because it is short.');
    expect(result.finishReason).toBe('stop');
  });

  it('keeps a held-back stop prefix when the model ends there (end of sequence)', async () => {
    const { engine } = await engineWith({ script: ['Because', '\nPref'] });
    const pieces: string[] = [];
    const result = await engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 32,
      temperature: 0,
      stop: [STOP],
      onToken: (t) => pieces.push(t),
    });
    expect(result).toMatchObject({ text: 'Because\nPref', finishReason: 'eos' });
    expect(pieces.join('')).toBe('Because\nPref');
  });

  it('stops a cancel sent before the stream first runs, and frees the model', async () => {
    const controller = new AbortController();
    const script = Array.from({ length: 60 }, () => ' x');
    const { engine, mlc } = await engineWith({
      script,
      onRequest: (r) => r.stream && controller.abort(),
    });
    const run = engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 60,
      temperature: 0,
      signal: controller.signal,
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(mlc.decodeSteps).toBeLessThanOrEqual(1);
    await expect(score(engine, 'A=')).resolves.toHaveLength(1);
  });

  it('fails a stream, and the requests queued behind it, when the worker dies mid-stream', async () => {
    const { engine, mlc, crash } = await engineWith({ script: RATIONALE });
    const run = engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 20,
      temperature: 0,
      onToken: () => {
        mlc.frozen = true;
        crash('out of memory');
      },
    });
    const queued = score(engine, 'A=');
    await expect(run).rejects.toMatchObject({ kind: 'worker-crashed' });
    await expect(queued).rejects.toMatchObject({ kind: 'worker-crashed' });
  });

  it("keeps seeds in web-llm's range (a negative seed throws inside its RNG)", async () => {
    const { engine } = await engineWith({ script: ['ok'] });
    const result = await engine.generate({
      prefix: [],
      continuation: 'Why?',
      maxTokens: 4,
      temperature: 1,
      seed: -7,
    });
    expect(result.text).toBe('ok');
  });
});

describe('WebLlmEngine on the web-llm stand-in: a lost device', () => {
  it('reports device.lost from the worker at once as a lost model', async () => {
    const { engine, mlc } = await engineWith();
    const seen: WebLlmError[] = [];
    engine.onCrash((e) => seen.push(e));
    mlc.loseDevice('GPU connection lost');
    await expect.poll(() => seen.length).toBe(1);
    expect(isModelLost(seen[0])).toBe(true);
    await expect(score(engine, 'A=')).rejects.toSatisfy(isModelLost);
  });

  it('fails a load whose device is lost, in the words of loading', async () => {
    const mlc = new StandInWebLlm({ logits });
    const { worker } = standInWorker(mlc);
    const load = WebLlmEngine.create({
      modelId: MODEL,
      fetch: tokenizerHost,
      cache: null,
      createWorker: () => worker,
      createEngine: () => (mlc.loseDevice('out of memory'), new Promise(() => {})),
    });
    await expect(load).rejects.toMatchObject({ kind: 'out-of-memory' });
    await expect(load).rejects.toThrow(/while loading the model/);
  });

  it('reads a later ModelNotLoadedError as "model lost, reload it"', async () => {
    const { engine, mlc } = await engineWith({}, { fullVocab: false });
    await mlc.unload(); // what web-llm does on device.lost, without our report
    const error = await score(engine, 'A=').catch((e: WebLlmError) => e);
    expect(isModelLost(error)).toBe(true);
    expect((error as WebLlmError).message).toMatch(/reload/i);
  });
});

describe("WebLlmEngine on the web-llm stand-in: web-llm's prompt token count", () => {
  it('warns once, on the first score after a load, when the two tokenizers disagree', async () => {
    const notices: WebLlmNotice[] = [];
    const { engine } = await engineWith(
      { promptTokens: (p) => p.length + 1 },
      { onNotice: (n) => notices.push(n) },
    );
    await score(engine, 'A=');
    await score(engine, 'B=');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'tokenizer-mismatch', webLlm: 5, app: 4 });
    expect(notices[0]!.message).toMatch(/5 .*4|4 .*5/);
  });

  it('says nothing when they agree', async () => {
    const notices: WebLlmNotice[] = [];
    const { engine } = await engineWith({}, { onNotice: (n) => notices.push(n) });
    await score(engine, 'A=');
    expect(notices).toEqual([]);
  });
});
