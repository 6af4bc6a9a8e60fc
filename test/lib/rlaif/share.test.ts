import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LABELING, type LabelingConfig } from '../../../src/lib/rlaif/labeler';
import {
  configParam,
  decodeConfig,
  encodeConfig,
  hashWithoutQuery,
  MAX_PARAM_CHARS,
  MAX_PREAMBLE_CHARS,
  shareUrl,
  validateConfig,
} from '../../../src/lib/rlaif/share';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const DETAILED: LabelingConfig = {
  ...DEFAULT_LABELING,
  prompt: { task: 'helpful', preamble: 'detailed', shots: 2, cot: true, format: 'chat' },
  samples: 4,
  temperature: 0.7,
};

/** Any config the Label page can produce (custom preamble text only when it is in use). */
const configArb: fc.Arbitrary<LabelingConfig> = fc
  .record({
    task: fc.constantFrom('summarization', 'helpful', 'harmless' as const),
    preamble: fc.constantFrom('base', 'detailed', 'custom' as const),
    text: fc
      .string({ unit: 'binary', minLength: 1, maxLength: 200 })
      .filter((t) => t.trim().length > 0),
    shots: fc.integer({ min: 0, max: 3 }),
    cot: fc.boolean(),
    format: fc.constantFrom('chat', 'raw' as const),
    debias: fc.boolean(),
    averaging: fc.constantFrom('probability', 'logprob' as const),
    samples: fc.integer({ min: 1, max: 16 }),
    temperature: fc.double({ min: 0.1, max: 2, noNaN: true }),
    maxRationaleTokens: fc.integer({ min: 1, max: 512 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ task, preamble, text, shots, cot, format, ...rest }) => ({
    ...rest,
    prompt: {
      task,
      preamble,
      shots,
      cot,
      format,
      ...(preamble === 'custom' ? { customPreamble: text } : {}),
    },
  }));

describe('share links: encode and decode', () => {
  it('round-trips every valid config exactly, with no notices', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const decoded = decodeConfig(encodeConfig(config));
        expect(decoded).toEqual({ ok: true, config, notices: [] });
      }),
    );
  });

  it('is URL-safe: only base64url characters, no padding', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        expect(encodeConfig(config)).toMatch(/^[A-Za-z0-9_-]+$/);
      }),
    );
  });

  it('carries only settings: no extra fields, and no unused custom preamble text', () => {
    const config = {
      ...DETAILED,
      prompt: { ...DETAILED.prompt, customPreamble: 'my private draft' },
      pair: { context: 'secret post' }, // must never travel, even if someone attaches it
    } as LabelingConfig;
    const json = Buffer.from(encodeConfig(config), 'base64url').toString();
    expect(json).not.toContain('secret post');
    expect(json).not.toContain('my private draft');
    expect(Object.keys(JSON.parse(json)).sort()).toEqual([
      'averaging',
      'debias',
      'maxRationaleTokens',
      'prompt',
      'samples',
      'seed',
      'temperature',
      'v',
    ]);
  });

  it('builds a link to the Label page and reads its parameter back', () => {
    const url = shareUrl('http://127.0.0.1:4173/rlaif-lab/#/results', DETAILED);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4173\/rlaif-lab\/#\/label\?config=[\w-]+$/);
    const hash = new URL(url).hash;
    expect(decodeConfig(configParam(hash) ?? '')).toEqual({
      ok: true,
      config: DETAILED,
      notices: [],
    });
    expect(hashWithoutQuery(hash)).toBe('#/label');
    expect(configParam('#/label')).toBeNull();
    expect(configParam('#/label?other=1')).toBeNull();
  });
});

describe('share links: untrusted input', () => {
  it('rejects what is not base64url JSON of an object, without throwing', () => {
    expect(decodeConfig('not base64!')).toMatchObject({ ok: false, error: /base64url/ });
    expect(decodeConfig('A')).toMatchObject({ ok: false, error: /base64url/ });
    expect(decodeConfig(Buffer.from('{oops').toString('base64url'))).toMatchObject({
      ok: false,
      error: /JSON/,
    });
    expect(decodeConfig(Buffer.from([0xff, 0xfe]).toString('base64url'))).toMatchObject({
      ok: false,
    });
    for (const value of [null, 3, 'text', [1, 2]]) {
      expect(decodeConfig(base64url(value))).toMatchObject({ ok: false, error: /prompt settings/ });
    }
    expect(decodeConfig('A'.repeat(MAX_PARAM_CHARS + 1))).toMatchObject({
      ok: false,
      error: /too long/,
    });
  });

  it('never throws on arbitrary text, and any config it returns is valid', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = decodeConfig(text);
        if (result.ok) expect(validateConfig({ ...result.config, v: 1 }).ok).toBe(true);
      }),
    );
  });

  it('keeps the valid fields and the defaults for invalid ones, naming each problem', () => {
    const result = decodeConfig(
      base64url({
        v: 1,
        prompt: { task: 'harmless', preamble: 'pirate', shots: 1.5, cot: 'yes', format: 'chat' },
        samples: 99,
        temperature: 0.5,
        seed: -1,
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toEqual({
      ...DEFAULT_LABELING,
      temperature: 0.5,
      prompt: { ...DEFAULT_LABELING.prompt, task: 'harmless', format: 'chat' },
    });
    expect(result.notices).toHaveLength(5);
    expect(result.notices.join('\n')).toMatch(/prompt\.preamble" = "pirate"/);
    expect(result.notices.join('\n')).toMatch(/"samples" = 99: expected a whole number 1-16/);
  });

  it('reports unknown fields (prototype keys included) and applies none of them', () => {
    const json = '{"v":1,"pair":"secret","__proto__":{"polluted":true},"prompt":{"extra":1}}';
    const result = decodeConfig(Buffer.from(json).toString('base64url'));
    expect(result.ok && result.notices).toEqual([
      'Ignored unknown setting "pair".',
      'Ignored unknown setting "__proto__".',
      'Ignored unknown setting "prompt.extra".',
    ]);
    expect(result.ok && result.config).toEqual(DEFAULT_LABELING);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('needs text for a custom preamble, and caps shots at the task’s exemplars', () => {
    const noText = decodeConfig(base64url({ v: 1, prompt: { preamble: 'custom', shots: 7 } }));
    expect(noText.ok && noText.config.prompt).toEqual({ ...DEFAULT_LABELING.prompt, shots: 3 });
    expect(noText.ok && noText.notices.join(' ')).toMatch(/custom preamble.*has 3: using 3/s);
    const tooLong = 'x'.repeat(MAX_PREAMBLE_CHARS + 1);
    const long = decodeConfig(
      base64url({ v: 1, prompt: { preamble: 'custom', customPreamble: tooLong } }),
    );
    expect(long.ok && long.config.prompt.preamble).toBe('base');
  });

  it('says when a link comes from another version, and still reads what it can', () => {
    const result = decodeConfig(base64url({ v: 2, debias: false }));
    expect(result.ok && result.config.debias).toBe(false);
    expect(result.ok && result.notices).toEqual([
      'The link is version 2; this app reads version 1.',
    ]);
  });
});
