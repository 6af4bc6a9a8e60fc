// The server engine over each kind's documented answer shapes (vLLM, Ollama), where no real
// server can run here: what it sends (the tokenizer's exact ids, both orders at once, explicit
// sampling) and what it makes of the answers (exact or missing, stop strings never shown).
import { describe, expect, it } from 'vitest';
import { ServerEngine } from '../../../../src/lib/engines/server/engine';
import { nodeFetch, TINY_TOKENIZER } from '../../../support/node-fetch';

type Handler = (path: string, body: Record<string, unknown>) => Response;

/** A server of fixed documented answers; records every POST body. */
function fixtureServer(routes: Record<string, unknown>, post: Handler) {
  const posted: { path: string; body: Record<string, unknown> }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (url: string, init: RequestInit) => {
    if (url.startsWith('file:')) return nodeFetch(url, init);
    const path = new URL(url).pathname;
    if (init.method !== 'POST')
      return path in routes ? Response.json(routes[path]) : new Response('', { status: 404 });
    const body = JSON.parse(String(init.body)) as Record<string, unknown>;
    posted.push({ path, body });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return post(path, body);
  };
  return { fetch, posted, maxInFlight: () => maxInFlight };
}

const vllmModels = { '/v1/models': { data: [{ id: 'tiny', owned_by: 'vllm' }] } };

function ndjson(lines: unknown[], splitEvery = 3): Response {
  const bytes = new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return new Response(
    new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += splitEvery)
          c.enqueue(bytes.slice(i, i + splitEvery));
        c.close();
      },
    }),
  );
}

describe('ServerEngine on documented vLLM and Ollama answers', () => {
  it("vLLM: sends the tokenizer's exact ids for each order at once and reads exact log-probs", async () => {
    const server = fixtureServer(vllmModels, (_path, body) => {
      const ids = body.logprob_token_ids as number[];
      const top = Object.fromEntries(ids.map((id, i) => [`token_id:${id}`, -1 - i]));
      return Response.json({ choices: [{ text: '1', logprobs: { top_logprobs: [top] } }] });
    });
    const engine = await ServerEngine.connect({
      baseUrl: 'http://gpu:8000',
      tokenizer: { source: TINY_TOKENIZER },
      fetch: server.fetch,
    });
    expect([engine.kind, engine.serverModel, engine.modelId]).toEqual(['vllm', 'tiny', 'tiny']);
    const [one, two] = [engine.tokenizer.encode('1'), engine.tokenizer.encode('2')];
    const prefix = ['<|im_start|>Which is better?\n', 'Context: x\n'];
    const scores = await engine.scoreNextToken({
      prefix,
      continuations: ['A: a\nB: b\nAnswer:', 'A: b\nB: a\nAnswer:'],
      tokenIds: [one[0]!, two[0]!],
    });
    expect(server.posted).toHaveLength(2);
    expect(server.maxInFlight()).toBe(2); // both orders together
    expect(server.posted[1]!.body.prompt).toEqual(
      engine.tokenizer.encode(prefix.join('') + 'A: b\nB: a\nAnswer:'),
    );
    expect(server.posted[0]!.body).toMatchObject({
      temperature: 1,
      top_k: -1,
      top_p: 1,
      max_tokens: 1,
    });
    expect(scores.map((s) => s.logprobs)).toEqual([
      [-1, -2],
      [-1, -2],
    ]);
    expect(engine.lastQuality).toMatchObject({ exact: true, missing: [] });
    expect(engine.stats).toMatchObject({ requests: 2, retries: 0 });
  });

  it('counts the retries of a 503 answered request, and each request once', async () => {
    let calls = 0;
    const server = fixtureServer(vllmModels, (_path, body) => {
      if (++calls === 1) return new Response('busy', { status: 503 });
      const [id] = body.logprob_token_ids as number[];
      return Response.json({
        choices: [{ text: '1', logprobs: { top_logprobs: [{ [`token_id:${id}`]: -0.25 }] } }],
      });
    });
    const engine = await ServerEngine.connect({
      baseUrl: 'http://gpu:8000',
      tokenizer: { source: TINY_TOKENIZER },
      fetch: server.fetch,
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    const [score] = await engine.scoreNextToken({
      prefix: [],
      continuations: ['x'],
      tokenIds: [5],
    });
    expect(score!.logprobs).toEqual([-0.25]);
    expect(engine.stats).toMatchObject({ requests: 1, retries: 1 });
  });

  it('Ollama: a top-N without an answer id reports it missing (NaN), never a zero', async () => {
    const server = fixtureServer(
      { '/v1/models': { data: [{ id: 'tiny:latest' }] }, '/api/version': { version: '0.12.3' } },
      () =>
        Response.json({
          response: '1',
          done: true,
          logprobs: [{ token: '1', logprob: -0.5, top_logprobs: [{ token: '1', logprob: -0.5 }] }],
        }),
    );
    const engine = await ServerEngine.connect({
      baseUrl: 'http://box:11434',
      tokenizer: { source: TINY_TOKENIZER },
      fetch: server.fetch,
    });
    expect(engine.kind).toBe('ollama');
    const ids = [engine.tokenizer.encode('1')[0]!, engine.tokenizer.encode('2')[0]!];
    const [score] = await engine.scoreNextToken({
      prefix: [],
      continuations: ['Q?'],
      tokenIds: ids,
    });
    expect(score!.logprobs[0]).toBe(-0.5);
    expect(score!.logprobs[1]).toBeNaN();
    expect(engine.lastQuality).toMatchObject({ exact: false, missing: [ids[1]] });
    expect(engine.stats.inexactScores).toBe(1);
  });

  it('Ollama generation: NDJSON split mid-line, a stop string held back and cut, the stream closed', async () => {
    const lines = ['The', ' answer', ' is', ' 1.\n', '\nSum', 'mary', ' more'].map((r) => ({
      response: r,
      done: false,
    }));
    const server = fixtureServer(
      { '/v1/models': { data: [{ id: 'tiny:latest' }] }, '/api/version': { version: '0.12.3' } },
      () => ndjson([...lines, { response: '', done: true, done_reason: 'stop' }]),
    );
    const engine = await ServerEngine.connect({
      baseUrl: 'http://box:11434',
      tokenizer: { source: TINY_TOKENIZER },
      fetch: server.fetch,
    });
    const pieces: string[] = [];
    const result = await engine.generate({
      prefix: ['Q: '],
      continuation: 'why?\nA:',
      maxTokens: 32,
      temperature: 0,
      stop: ['\n\nSummary'],
      onToken: (t) => pieces.push(t),
    });
    expect(result.text).toBe('The answer is 1.');
    expect(result.finishReason).toBe('stop');
    expect(pieces.join('')).toBe(result.text);
    expect(result.tokenLogprobs).toBeUndefined(); // Ollama gives no per-token log-probs here
    expect(server.posted[0]!.body).toMatchObject({
      raw: true,
      prompt: 'Q: why?\nA:',
      options: { temperature: 0, top_k: 0, top_p: 1, min_p: 0, seed: 0, stop: ['\n\nSummary'] },
    });
  });
});
