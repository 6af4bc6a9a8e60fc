// Share links: the prompt settings (a LabelingConfig) as base64url JSON in the URL hash,
// "#/label?config=...". Only settings travel, never a pair or any dataset text; the custom
// preamble is a setting, so it travels, and only when it is the preamble in use. Decoding treats
// the link as untrusted input: every field is checked, and a bad one keeps its default, with a
// notice the app shows.
import { DEFAULT_LABELING, type LabelingConfig } from './labeler';
import { EXEMPLARS } from './probes';
import type { PromptConfig } from './prompt';
import type { Task } from './types';

/** Bumped when the payload changes shape, so an old app can say a link is newer than it. */
export const SHARE_VERSION = 1;
/** Longest custom preamble a link may carry (characters): a preamble, not a document. */
export const MAX_PREAMBLE_CHARS = 8000;
/** Longest `config` parameter accepted, so a huge link cannot stall the page. */
export const MAX_PARAM_CHARS = 16_000;
/** Self-consistency samples, rationale tokens and temperature: the Label page's own limits. */
const LIMITS = { samples: 16, rationaleTokens: 512, tempLow: 0.1, tempHigh: 2 } as const;

export type DecodeResult =
  { ok: true; config: LabelingConfig; notices: string[] } | { ok: false; error: string };

function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text, or null when `encoded` is not base64url of valid UTF-8. */
function fromBase64Url(encoded: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return null;
  try {
    const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The settings a link carries, field by field (a whitelist: nothing else can slip in). */
function payloadOf(config: LabelingConfig) {
  const { task, preamble, customPreamble, shots, cot, format } = config.prompt;
  const prompt: PromptConfig = { task, preamble, shots, cot, format };
  // A custom preamble the user typed and then switched away from is not part of the prompt.
  if (preamble === 'custom' && customPreamble !== undefined) prompt.customPreamble = customPreamble;
  const { debias, averaging, samples, temperature, maxRationaleTokens, seed } = config;
  return {
    v: SHARE_VERSION,
    prompt,
    debias,
    averaging,
    samples,
    temperature,
    maxRationaleTokens,
    seed,
  };
}

/** The `config` parameter of a share link. */
export function encodeConfig(config: LabelingConfig): string {
  return toBase64Url(JSON.stringify(payloadOf(config)));
}

/** A link to the Label page of the app at `href` with these settings. */
export function shareUrl(href: string, config: LabelingConfig): string {
  const url = new URL(href);
  url.hash = `/label?config=${encodeConfig(config)}`;
  return url.toString();
}

/** The `config` parameter of a location hash ("#/label?config=..."), or null when it has none. */
export function configParam(hash: string): string | null {
  const query = hash.indexOf('?');
  if (query < 0) return null;
  return new URLSearchParams(hash.slice(query + 1)).get('config');
}

/** The hash without its query: where the app goes once it has applied a link. */
export function hashWithoutQuery(hash: string): string {
  const query = hash.indexOf('?');
  return query < 0 ? hash : hash.slice(0, query);
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (lo: number, hi: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const oneOf =
  (...values: readonly unknown[]) =>
  (v: unknown) =>
    values.includes(v);
const isBool = (v: unknown) => typeof v === 'boolean';
const inRange = (lo: number, hi: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const isPreambleText = (v: unknown) =>
  typeof v === 'string' && v.trim().length > 0 && v.length <= MAX_PREAMBLE_CHARS;

/** What each field must be, and how the notice describes a valid value. */
type Rule = { check: (v: unknown) => boolean; expected: string };
const TOP_RULES: Record<string, Rule> = {
  debias: { check: isBool, expected: 'true or false' },
  averaging: { check: oneOf('probability', 'logprob'), expected: '"probability" or "logprob"' },
  samples: { check: isInt(1, LIMITS.samples), expected: `a whole number 1-${LIMITS.samples}` },
  temperature: {
    check: inRange(LIMITS.tempLow, LIMITS.tempHigh),
    expected: `a number ${LIMITS.tempLow}-${LIMITS.tempHigh}`,
  },
  maxRationaleTokens: {
    check: isInt(1, LIMITS.rationaleTokens),
    expected: `a whole number 1-${LIMITS.rationaleTokens}`,
  },
  seed: { check: isInt(0, 2 ** 31 - 1), expected: 'a whole number 0-2147483647' },
};
const PROMPT_RULES: Record<string, Rule> = {
  task: {
    check: oneOf('summarization', 'helpful', 'harmless'),
    expected: '"summarization", "helpful" or "harmless"',
  },
  preamble: {
    check: oneOf('base', 'detailed', 'custom'),
    expected: '"base", "detailed" or "custom"',
  },
  customPreamble: {
    check: isPreambleText,
    expected: `non-empty text of at most ${MAX_PREAMBLE_CHARS} characters`,
  },
  // The shot count is checked against the task's exemplars below, once the task is known.
  shots: { check: isInt(0, Number.MAX_SAFE_INTEGER), expected: 'a whole number' },
  cot: { check: isBool, expected: 'true or false' },
  format: { check: oneOf('chat', 'raw'), expected: '"chat" or "raw"' },
};

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Copy each valid field of `source` onto `target`; report the invalid and the unknown ones. */
function applyFields(
  source: Fields,
  target: Fields,
  rules: Record<string, Rule>,
  where: string,
  notices: string[],
): void {
  for (const [key, value] of Object.entries(source)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (!rule) notices.push(`Ignored unknown setting "${where}${key}".`);
    else if (rule.check(value)) target[key] = value;
    else
      notices.push(
        `Ignored "${where}${key}" = ${show(value)}: expected ${rule.expected}; kept the default.`,
      );
  }
}

/** Cross-field checks: a custom preamble needs its text, and shots cannot exceed the exemplars. */
function reconcilePrompt(prompt: PromptConfig, fallback: PromptConfig, notices: string[]): void {
  if (prompt.preamble === 'custom' && prompt.customPreamble === undefined) {
    notices.push(
      'The link asks for a custom preamble but carries no valid text: kept the default.',
    );
    prompt.preamble = fallback.preamble === 'custom' ? 'base' : fallback.preamble;
  }
  if (prompt.preamble !== 'custom') delete prompt.customPreamble;
  const available = EXEMPLARS[prompt.task as Task].length;
  if (prompt.shots > available) {
    notices.push(
      `The link asks for ${prompt.shots} exemplars; this task has ${available}: using ${available}.`,
    );
    prompt.shots = available;
  }
}

/** Check a decoded payload field by field, starting from the defaults. */
export function validateConfig(
  payload: unknown,
  defaults: LabelingConfig = DEFAULT_LABELING,
): DecodeResult {
  if (!isObject(payload)) return { ok: false, error: 'The link does not hold prompt settings.' };
  const notices: string[] = [];
  const { v, prompt, ...rest } = payload;
  if (v !== SHARE_VERSION) {
    notices.push(`The link is version ${show(v)}; this app reads version ${SHARE_VERSION}.`);
  }
  const config = structuredClone(defaults);
  applyFields(rest, config as unknown as Fields, TOP_RULES, '', notices);
  if (isObject(prompt)) {
    applyFields(prompt, config.prompt as unknown as Fields, PROMPT_RULES, 'prompt.', notices);
  } else if (prompt !== undefined) {
    notices.push('Ignored "prompt": expected an object; kept the default prompt.');
  }
  reconcilePrompt(config.prompt, defaults.prompt, notices);
  return { ok: true, config, notices };
}

/** Parse and check a share link's `config` parameter. Never throws. */
export function decodeConfig(param: string, defaults?: LabelingConfig): DecodeResult {
  if (param.length > MAX_PARAM_CHARS) {
    return {
      ok: false,
      error: `The shared settings are too long (over ${MAX_PARAM_CHARS} characters).`,
    };
  }
  const text = fromBase64Url(param);
  if (text === null)
    return { ok: false, error: 'The shared settings are not valid base64url text.' };
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ok: false, error: 'The shared settings are not valid JSON.' };
  }
  return validateConfig(payload, defaults);
}
