// Reads each server kind's next-token response into the core's NextTokenScores, with a record
// of how far to trust it: exact over the full vocabulary, or limited to the top-N the server
// returned. An answer id absent from the top-N is reported (NaN plus `missing`), never a zero.
import type { NextTokenScores, TokenizerAccess, TokenLogprob } from '../../rlaif/engine';
import { ServerResponseError } from './errors';
import { KINDS, type ServerKind } from './kinds';
import type { ScoreQuery } from './requests';

export interface ScoreQuality {
  /** Every answer id has the server's full-vocabulary log-prob (not renormalised, none missing). */
  exact: boolean;
  /** Set when log-probs were renormalised over the returned tokens: how many there were. */
  renormalisedWithin?: number;
  /** Probability mass of the distinct tokens the server returned. */
  returnedMass: number;
  /** Answer ids absent from the top-N; their log-prob is NaN. */
  missing: number[];
  /** Answer ids whose token text does not identify them (text-only kinds); their log-prob is NaN. */
  ambiguous: number[];
}

export interface ParsedScore {
  scores: NextTokenScores;
  quality: ScoreQuality;
}

export interface ParseOptions {
  /** Maps the token text of Ollama and OpenAI entries to ids; required for those kinds. */
  tokenizer?: TokenizerAccess;
  /** Renormalise over the returned tokens (never exact then). */
  renormalise?: boolean;
}

/** An entry as a server reports it: with an id, or only with its text. */
interface Entry {
  id: number | null;
  text: string;
  logprob: number;
}

export function parseScore(
  kind: ServerKind,
  json: unknown,
  query: ScoreQuery,
  options: ParseOptions = {},
): ParsedScore {
  const endpoint = endpointOf(kind, query);
  const fail = (problem: string, whatToDo = CHECK_VERSION): never => {
    throw new ServerResponseError(kind, endpoint, problem, whatToDo);
  };
  const entries = readEntries(kind, json, fail);
  const byId = withIds(kind, entries, query.answerIds, options.tokenizer, fail);
  return score(byId.top, byId.answers, byId.ambiguous, query, options.renormalise ?? false);
}

const CHECK_VERSION = 'Check the server kind and version against shared/docs/servers.md.';

function endpointOf(kind: ServerKind, query: ScoreQuery): string {
  return kind === 'openai' && query.openaiLegacy ? '/v1/completions' : KINDS[kind].scorePath;
}

// vLLM writes -inf as -9999.0; anything at or below it is a zero probability.
function logprobOf(value: unknown, fail: (p: string) => never): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    return fail(`log-prob ${String(value)} is not a number.`);
  return value <= -9999 ? -Infinity : value;
}

type Fail = (problem: string, whatToDo?: string) => never;

function readEntries(kind: ServerKind, json: unknown, fail: Fail): Entry[] {
  switch (kind) {
    case 'vllm':
      return vllmEntries(json, fail);
    case 'sglang':
      return sglangEntries(json, fail);
    case 'llamacpp':
      return llamacppEntries(json, fail);
    case 'ollama':
      return textEntries(at(json, ['logprobs', 0, 'top_logprobs'], fail), fail);
    case 'openai':
      return openaiEntries(json, fail);
  }
}

// Legacy completions shape; the requested ids come in top_logprobs[0] with the top-N.
function vllmEntries(json: unknown, fail: Fail): Entry[] {
  const top = at(json, ['choices', 0, 'logprobs', 'top_logprobs', 0], fail);
  if (!isRecord(top)) return fail('choices[0].logprobs.top_logprobs[0] is not an object.');
  return Object.entries(top).map(([key, value]) => {
    const match = /^token_id:(\d+)$/.exec(key);
    if (!match)
      return fail(
        `top_logprobs key ${JSON.stringify(key)} is token text, and texts of different ids collide.`,
        'Send return_tokens_as_token_ids: true (this engine does) through anything in between.',
      );
    return { id: Number(match[1]), text: key, logprob: logprobOf(value, fail) };
  });
}

// Native /generate: meta_info lists [logprob, id, text|null] triples per output position.
function sglangEntries(json: unknown, fail: Fail): Entry[] {
  const asked = at(json, ['meta_info', 'output_token_ids_logprobs', 0], fail);
  const topRaw =
    (isRecord(json) && isRecord(json.meta_info) && json.meta_info.output_top_logprobs) || [];
  // top_logprobs_num 0 may come back as [null]: no alternatives, not a malformed answer.
  const top: unknown = (Array.isArray(topRaw) && topRaw[0]) || [];
  return [...triples(asked, fail), ...triples(top, fail)];
}

function triples(list: unknown, fail: Fail): Entry[] {
  if (!Array.isArray(list)) return fail('a log-prob list is not an array.');
  return list.map((t: unknown) => {
    if (!Array.isArray(t) || typeof t[1] !== 'number')
      return fail('a log-prob entry is not [logprob, id, text].');
    return { id: t[1], text: typeof t[2] === 'string' ? t[2] : '', logprob: logprobOf(t[0], fail) };
  });
}

// Native /completion has completion_probabilities; /v1/completions the chat shape with ids.
function llamacppEntries(json: unknown, fail: Fail): Entry[] {
  const native = isRecord(json) && Array.isArray(json.completion_probabilities);
  const path = native
    ? ['completion_probabilities', 0, 'top_logprobs']
    : ['choices', 0, 'logprobs', 'content', 0, 'top_logprobs'];
  const list = at(json, path, fail);
  if (!Array.isArray(list)) return fail(`${path.join('.')} is not an array.`);
  return list.map((e: unknown) => {
    if (!isRecord(e) || typeof e.id !== 'number')
      return fail(
        'a top_logprobs entry has no id.',
        'Use a llama-server that reports {id, token, logprob}.',
      );
    return { id: e.id, text: String(e.token ?? ''), logprob: logprobOf(e.logprob, fail) };
  });
}

function openaiEntries(json: unknown, fail: Fail): Entry[] {
  const logprobs = at(json, ['choices', 0, 'logprobs'], fail);
  if (isRecord(logprobs) && Array.isArray(logprobs.content))
    return textEntries(at(logprobs, ['content', 0, 'top_logprobs'], fail), fail);
  const legacy = at(logprobs, ['top_logprobs', 0], fail);
  if (!isRecord(legacy)) return fail('logprobs.top_logprobs[0] is not an object.');
  return Object.entries(legacy).map(([text, v]) => ({
    id: null,
    text,
    logprob: logprobOf(v, fail),
  }));
}

function textEntries(list: unknown, fail: Fail): Entry[] {
  if (!Array.isArray(list)) return fail('top_logprobs is not an array.');
  return list.map((e: unknown) => {
    if (!isRecord(e) || typeof e.token !== 'string')
      return fail('a top_logprobs entry has no token text.');
    return { id: null, text: e.token, logprob: logprobOf(e.logprob, fail) };
  });
}

interface Resolved {
  top: TokenLogprob[];
  answers: Map<number, number>;
  ambiguous: number[];
}

// Ids as given, or text matched to ids: an answer id counts only if its text encodes back to it
// alone and exactly one returned entry carries that text.
function withIds(
  kind: ServerKind,
  entries: Entry[],
  answerIds: number[],
  tokenizer: TokenizerAccess | undefined,
  fail: Fail,
): Resolved {
  const answers = new Map<number, number>();
  const ambiguous: number[] = [];
  const top = new Map<number, number>();
  if (entries.every((e) => e.id !== null)) {
    for (const e of entries) top.set(e.id as number, e.logprob);
    for (const id of answerIds) if (top.has(id)) answers.set(id, top.get(id) as number);
    return { top: sorted(top), answers, ambiguous };
  }
  if (!tokenizer)
    return fail(
      'entries carry token text and no ids.',
      `Give the parser the model's tokenizer to map ${KINDS[kind].label}'s token texts to ids.`,
    );
  for (const id of answerIds) {
    const text = tokenizer.decode([id]);
    const [match, ...others] = entries.filter((e) => e.text === text);
    const [only, ...more] = tokenizer.encode(text);
    const identifies = only === id && more.length === 0;
    if (match && (others.length > 0 || !identifies)) ambiguous.push(id);
    else if (match) answers.set(id, match.logprob);
  }
  // The top list keeps entries whose text is exactly one token.
  for (const e of entries) {
    const [only, ...more] = tokenizer.encode(e.text);
    if (only !== undefined && more.length === 0 && !top.has(only)) top.set(only, e.logprob);
  }
  return { top: sorted(top), answers, ambiguous };
}

function score(
  top: TokenLogprob[],
  answers: Map<number, number>,
  ambiguous: number[],
  query: ScoreQuery,
  renormalise: boolean,
): ParsedScore {
  const distinct = new Map<number, number>(top.map((t) => [t.id, t.logprob]));
  for (const [id, lp] of answers) distinct.set(id, lp);
  const returnedMass = [...distinct.values()].reduce((s, lp) => s + Math.exp(lp), 0);
  const shift = renormalise ? Math.log(returnedMass) : 0;
  const missing = query.answerIds.filter((id) => !answers.has(id) && !ambiguous.includes(id));
  const logprobs = query.answerIds.map((id) =>
    answers.has(id) ? (answers.get(id) as number) - shift : NaN,
  );
  const quality: ScoreQuality = {
    exact: !renormalise && missing.length === 0 && ambiguous.length === 0,
    returnedMass,
    missing,
    ambiguous,
  };
  if (renormalise) quality.renormalisedWithin = distinct.size;
  const shown = top.slice(0, query.topN).map((t) => ({ id: t.id, logprob: t.logprob - shift }));
  return { scores: { logprobs, top: shown, promptTokens: query.promptIds.length }, quality };
}

function sorted(top: Map<number, number>): TokenLogprob[] {
  return [...top].map(([id, logprob]) => ({ id, logprob })).sort((a, b) => b.logprob - a.logprob);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Walks a path of keys and indices, failing with the path that is missing.
function at(json: unknown, path: (string | number)[], fail: Fail): unknown {
  let node: unknown = json;
  for (const [i, key] of path.entries()) {
    const next =
      typeof key === 'number'
        ? Array.isArray(node)
          ? node[key]
          : undefined
        : isRecord(node)
          ? node[key]
          : undefined;
    if (next === undefined || next === null)
      return fail(`the response has no ${path.slice(0, i + 1).join('.')}.`);
    node = next;
  }
  return node;
}
