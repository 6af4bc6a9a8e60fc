// Validates the built-in probe set and few-shot exemplars in data/ with plain JSON.parse, so the
// data is checked independently of the app's own parsers. The validators are pure functions that
// return a list of problems; the last block feeds them broken records to prove they can fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DATA_DIR = join(process.cwd(), 'data');
const TASKS = ['summarization', 'helpful', 'harmless'] as const;
type ProbeTask = (typeof TASKS)[number];

const SUMMARY_DEFECTS = [
  'factual-error',
  'missing-key-point',
  'incoherence',
  'verbosity',
  'copying',
  'invented-detail',
] as const;
const DEFECTS_BY_TASK: Record<ProbeTask, readonly string[]> = {
  summarization: SUMMARY_DEFECTS,
  helpful: ['unhelpful'],
  harmless: ['harmful'],
};
const ID_PATTERN: Record<ProbeTask, RegExp> = {
  summarization: /^summ-\d{3}$/,
  helpful: /^help-\d{3}$/,
  harmless: /^harm-\d{3}$/,
};
const FIELDS = ['id', 'task', 'context', 'candidates', 'choice', 'defect'];

/** Shortest verbatim run (in words) that counts as copying from the post. */
const COPY_RUN = 8;
/** A verbose summary must be at least this many times longer than the better one (characters). */
const VERBOSE_RATIO = 1.6;
/** Outside verbosity probes, neither summary may be more than this many times the other's length. */
const SIMILAR_RATIO = 1.5;

interface Probe {
  id: string;
  task: ProbeTask;
  context: string;
  candidates: [string, string];
  choice: 0 | 1;
  defect: string;
}

interface Line {
  line: number;
  text: string;
}

/** The lines of a JSONL file; only the final newline may leave an empty line. */
function jsonlLines(text: string): Line[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => ({ line: i + 1, text: line }));
}

function readText(relative: string): string {
  return readFileSync(join(DATA_DIR, relative), 'utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** Lower-cased words with surrounding punctuation removed, for verbatim-run comparison. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}£$]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => w.length > 0);
}

/** True when a and b share a run of at least n consecutive words. */
function sharesVerbatimRun(a: string, b: string, n = COPY_RUN): boolean {
  const wa = words(a);
  const wb = words(b);
  const grams = new Set<string>();
  for (let i = 0; i + n <= wb.length; i++) grams.add(wb.slice(i, i + n).join(' '));
  for (let i = 0; i + n <= wa.length; i++) {
    if (grams.has(wa.slice(i, i + n).join(' '))) return true;
  }
  return false;
}

/** The two candidates when the value is an array of exactly two non-empty strings. */
function asPair(value: unknown): [string, string] | undefined {
  if (!Array.isArray(value) || value.length !== 2 || !value.every(isNonEmptyString))
    return undefined;
  return [value[0] as string, value[1] as string];
}

/** The post text of a summarization context, or undefined if the context is malformed. */
function postOf(context: string): string | undefined {
  return /^SUBREDDIT: r\/\S+\nTITLE: [^\n]+\nPOST: ([\s\S]+)$/.exec(context)?.[1];
}

/** Problems with a dialogue transcript: starts with a Human turn, alternates, ends with Human. */
function transcriptProblems(context: string): string[] {
  if (!context.startsWith('Human: ')) return ['context must start with "Human: "'];
  const speakers = [...context.matchAll(/(?:^|\n\n)(Human|Assistant): /g)].map((m) => m[1]);
  const problems: string[] = [];
  if (speakers.at(-1) !== 'Human') problems.push('context must end with a Human turn');
  if (speakers.some((s, i) => s !== (i % 2 === 0 ? 'Human' : 'Assistant'))) {
    problems.push('turns must alternate Human/Assistant');
  }
  const humans = speakers.filter((s) => s === 'Human').length;
  if (humans < 1 || humans > 3) problems.push(`expected 1 to 3 Human turns, got ${humans}`);
  return problems;
}

/** Everything wrong with one parsed record; an empty list means the record is a valid probe. */
function probeProblems(value: unknown): string[] {
  if (!isObject(value)) return ['not a JSON object'];
  const problems: string[] = [];
  const extra = Object.keys(value).filter((k) => !FIELDS.includes(k));
  if (extra.length > 0) problems.push(`unexpected fields: ${extra.join(', ')}`);
  const { id, task, context, candidates, choice, defect } = value;
  if (!(TASKS as readonly unknown[]).includes(task)) return [...problems, `invalid task ${task}`];
  const t = task as ProbeTask;
  if (typeof id !== 'string' || !ID_PATTERN[t].test(id)) problems.push(`bad id ${id} for ${t}`);
  if (!isNonEmptyString(context)) problems.push('context must be a non-empty string');
  const pair = asPair(candidates);
  if (!pair || pair[0].trim() === pair[1].trim()) {
    problems.push('candidates must be two distinct non-empty strings');
  }
  if (choice !== 0 && choice !== 1) problems.push(`choice must be 0 or 1, got ${choice}`);
  if (typeof defect !== 'string' || !DEFECTS_BY_TASK[t].includes(defect)) {
    problems.push(`defect ${defect} is not allowed for ${t}`);
  }
  if (problems.length > 0 || typeof context !== 'string' || !pair) return problems;

  const [first, second] = pair;
  const better = choice === 0 ? first : second;
  const worse = choice === 0 ? second : first;
  if (t === 'summarization') {
    if (!context.includes('TITLE:') || !context.includes('POST:')) {
      return ['summarization context must contain "TITLE:" and "POST:"'];
    }
    const post = postOf(context);
    if (post === undefined) return ['context must be "SUBREDDIT: r/..\\nTITLE: ..\\nPOST: .."'];
    const postWords = post.trim().split(/\s+/).length;
    if (postWords < 60 || postWords > 180) problems.push(`post has ${postWords} words`);
    if (sharesVerbatimRun(better, post)) {
      problems.push(`better summary copies ${COPY_RUN}+ words from the post`);
    }
    const copies = sharesVerbatimRun(worse, post);
    if (defect === 'copying' && !copies) {
      problems.push(`copying probe: worse summary shares no ${COPY_RUN}-word run with the post`);
    }
    if (defect !== 'copying' && copies) {
      problems.push(`worse summary copies ${COPY_RUN}+ words but the defect is ${defect}`);
    }
    const ratio = worse.length / better.length;
    if (defect === 'verbosity' && ratio < VERBOSE_RATIO) {
      problems.push(`verbosity probe: worse/better length ratio ${ratio.toFixed(2)}`);
    }
    if (defect !== 'verbosity' && Math.max(ratio, 1 / ratio) > SIMILAR_RATIO) {
      problems.push(`lengths differ too much (ratio ${ratio.toFixed(2)}) for ${defect}`);
    }
  } else {
    problems.push(...transcriptProblems(context));
    for (const c of pair) {
      if (/^\s*(Human|Assistant):/.test(c)) problems.push('candidates must not carry a speaker');
    }
  }
  return problems;
}

interface Parsed {
  probes: Probe[];
  errors: string[];
  /** Every string id seen, valid record or not, so duplicates are caught either way. */
  ids: string[];
}

/** Parse and validate a JSONL file's text; errors name the line. */
function parseProbes(text: string, label: string): Parsed {
  const probes: Probe[] = [];
  const errors: string[] = [];
  const ids: string[] = [];
  for (const { line, text: raw } of jsonlLines(text)) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      errors.push(`${label}:${line}: invalid JSON (${(error as Error).message})`);
      continue;
    }
    if (isObject(value) && typeof value.id === 'string') ids.push(value.id);
    const problems = probeProblems(value);
    if (problems.length > 0) errors.push(...problems.map((p) => `${label}:${line}: ${p}`));
    else probes.push(value as Probe);
  }
  return { probes, errors, ids };
}

/** Share of probes whose better candidate is stored first. */
function choiceZeroShare(probes: Probe[]): number {
  return probes.filter((p) => p.choice === 0).length / probes.length;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Everything wrong with exemplars.json's parsed value. */
function exemplarProblems(value: unknown): string[] {
  if (!isObject(value)) return ['exemplars must be a JSON object'];
  const problems: string[] = [];
  const keys = Object.keys(value).sort();
  if (keys.join() !== [...TASKS].sort().join()) problems.push(`unexpected keys: ${keys.join()}`);
  for (const task of TASKS) {
    const list = value[task];
    if (!Array.isArray(list) || list.length !== 3) {
      problems.push(`${task}: expected 3 exemplars`);
      continue;
    }
    for (const [i, ex] of (list as unknown[]).entries()) {
      const where = `${task}[${i}]`;
      if (!isObject(ex)) {
        problems.push(`${where}: not an object`);
        continue;
      }
      const { context, candidates, choice, rationale } = ex;
      if (!isNonEmptyString(context)) problems.push(`${where}: empty context`);
      else if (task === 'summarization' && postOf(context) === undefined) {
        problems.push(`${where}: context must have SUBREDDIT, TITLE and POST`);
      } else if (task !== 'summarization') {
        problems.push(...transcriptProblems(context).map((p) => `${where}: ${p}`));
      }
      const pair = asPair(candidates);
      if (!pair || pair[0].trim() === pair[1].trim()) {
        problems.push(`${where}: candidates must be two distinct non-empty strings`);
      }
      if (choice !== 0 && choice !== 1) problems.push(`${where}: choice must be 0 or 1`);
      if (!isNonEmptyString(rationale) || rationale.trim().length < 40) {
        problems.push(`${where}: rationale missing or too short`);
      }
    }
    const choices = new Set(list.map((ex: unknown) => (isObject(ex) ? ex.choice : undefined)));
    if (choices.size < 2) problems.push(`${task}: exemplar choices should mix positions 0 and 1`);
  }
  return problems;
}

const summarization = parseProbes(readText('probes/summarization.jsonl'), 'summarization.jsonl');
const dialogue = parseProbes(readText('probes/dialogue.jsonl'), 'dialogue.jsonl');
const exemplars: unknown = JSON.parse(readText('exemplars.json'));

describe('built-in probes', () => {
  it('every line parses and is a valid probe', () => {
    expect(summarization.errors).toEqual([]);
    expect(dialogue.errors).toEqual([]);
  });

  it('each file holds only its own tasks', () => {
    expect(summarization.probes.every((p) => p.task === 'summarization')).toBe(true);
    expect(dialogue.probes.every((p) => p.task === 'helpful' || p.task === 'harmless')).toBe(true);
  });

  it('ids are unique across files', () => {
    const ids = [...summarization.ids, ...dialogue.ids];
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has at least 60 summarization probes and at least 10 per defect', () => {
    expect(summarization.probes.length).toBeGreaterThanOrEqual(60);
    const perDefect = countBy(summarization.probes, (p) => p.defect);
    for (const defect of SUMMARY_DEFECTS) expect(perDefect[defect] ?? 0).toBeGreaterThanOrEqual(10);
  });

  it('has at least 12 helpful and 12 harmless probes', () => {
    const perTask = countBy(dialogue.probes, (p) => p.task);
    expect(perTask.helpful ?? 0).toBeGreaterThanOrEqual(12);
    expect(perTask.harmless ?? 0).toBeGreaterThanOrEqual(12);
  });

  it('balances the better candidate between positions (40-60% choice 0)', () => {
    const groups: [string, Probe[]][] = [
      ['summarization.jsonl', summarization.probes],
      ['dialogue.jsonl', dialogue.probes],
      ['helpful', dialogue.probes.filter((p) => p.task === 'helpful')],
      ['harmless', dialogue.probes.filter((p) => p.task === 'harmless')],
    ];
    for (const [label, probes] of groups) {
      const share = choiceZeroShare(probes);
      expect(share, label).toBeGreaterThanOrEqual(0.4);
      expect(share, label).toBeLessThanOrEqual(0.6);
    }
  });

  it('does not repeat a context', () => {
    const contexts = [...summarization.probes, ...dialogue.probes].map((p) => p.context);
    expect(new Set(contexts).size).toBe(contexts.length);
  });
});

describe('few-shot exemplars', () => {
  it('has 3 well-formed exemplars per task with rationales', () => {
    expect(exemplarProblems(exemplars)).toEqual([]);
  });

  it('are not copies of probes', () => {
    const probeTexts = new Set(
      [...summarization.probes, ...dialogue.probes].flatMap((p) => [p.context, ...p.candidates]),
    );
    const lists = isObject(exemplars) ? Object.values(exemplars) : [];
    for (const list of lists) {
      for (const ex of list as { context: string; candidates: string[] }[]) {
        expect(probeTexts.has(ex.context)).toBe(false);
        for (const c of ex.candidates) expect(probeTexts.has(c)).toBe(false);
      }
    }
  });
});

describe('validators reject bad data', () => {
  const post =
    'I adopted a small terrier called Mango from the local shelter three weeks ago, and she is ' +
    'lovely at home but pulls hard on the lead whenever we walk past other dogs in the park. ' +
    'I have tried stopping every time she pulls and rewarding her with treats when the lead is ' +
    'loose, which helps a little on quiet streets. The trainer at the shelter suggested a ' +
    'front-clip harness. Is that worth buying, or should I book a few private lessons first?';
  const context = `SUBREDDIT: r/dogs\nTITLE: New dog pulls on the lead\nPOST: ${post}`;
  const good = {
    id: 'summ-900',
    task: 'summarization',
    context,
    candidates: [
      'My new shelter terrier pulls hard near other dogs despite treats for a loose lead. Should I buy a front-clip harness or book private lessons first?',
      'My new shelter terrier pulls hard near cats despite treats for a loose lead. Should I buy a front-clip harness or book private lessons first?',
    ],
    choice: 0,
    defect: 'factual-error',
  };

  it('accepts the valid fixture', () => {
    expect(probeProblems(good)).toEqual([]);
  });

  it.each([
    ['a bad choice', { ...good, choice: 2 }],
    ['an unknown task', { ...good, task: 'poetry' }],
    ['a defect from another task', { ...good, defect: 'harmful' }],
    ['identical candidates', { ...good, candidates: ['same', 'same'] }],
    ['one candidate', { ...good, candidates: ['only one'] }],
    ['an empty candidate', { ...good, candidates: ['text', ' '] }],
    ['a context without TITLE/POST', { ...good, context: post }],
    ['a mismatched id', { ...good, id: 'help-001' }],
    ['an extra field', { ...good, note: 'x' }],
    ['copying without a verbatim run', { ...good, defect: 'copying' }],
    ['verbosity that is not verbose', { ...good, defect: 'verbosity' }],
    [
      'lengths that give the answer away',
      { ...good, candidates: [good.candidates[0], 'My terrier pulls. Harness?'] },
    ],
    [
      'a better summary that copies the post',
      {
        ...good,
        candidates: [
          'I adopted a small terrier called Mango from the local shelter three weeks ago. Harness or lessons?',
          good.candidates[1],
        ],
      },
    ],
  ])('rejects %s', (_label, record) => {
    expect(probeProblems(record)).not.toEqual([]);
  });

  it('rejects dialogue that ends with an Assistant turn or lacks "Human: "', () => {
    const dialog = {
      id: 'help-900',
      task: 'helpful',
      context: 'Human: How do I boil an egg?',
      candidates: ['Put it in boiling water for seven minutes.', 'Eggs are nice.'],
      choice: 0,
      defect: 'unhelpful',
    };
    expect(probeProblems(dialog)).toEqual([]);
    expect(
      probeProblems({ ...dialog, context: 'Human: Hi\n\nAssistant: Hello! How can I help?' }),
    ).not.toEqual([]);
    expect(probeProblems({ ...dialog, context: 'How do I boil an egg?' })).not.toEqual([]);
    expect(
      probeProblems({ ...dialog, candidates: ['Assistant: Boil it.', 'Eggs are nice.'] }),
    ).not.toEqual([]);
  });

  it('reports unparseable lines and unbalanced positions', () => {
    const line = JSON.stringify(good);
    const parsed = parseProbes(`${line}\n{not json}\n`, 'fixture');
    expect(parsed.probes).toHaveLength(1);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatch(/^fixture:2: invalid JSON/);
    expect(choiceZeroShare(parsed.probes)).toBe(1);
    const twice = parseProbes(`${line}\n${line}\n`, 'fixture');
    expect(new Set(twice.ids).size).toBeLessThan(twice.ids.length);
  });

  it('finds verbatim runs only at the threshold', () => {
    const text = 'one two three four five six seven eight nine';
    expect(sharesVerbatimRun('x one two three four five six seven eight y', text)).toBe(true);
    expect(sharesVerbatimRun('x one two three four five six seven y', text)).toBe(false);
  });

  it('rejects exemplars with missing rationales or wrong counts', () => {
    expect(exemplarProblems({ summarization: [], helpful: [], harmless: [] })).not.toEqual([]);
    const bad = structuredClone(exemplars) as Record<string, { rationale: string }[]>;
    const first = bad.helpful?.[0];
    if (first) first.rationale = '';
    expect(exemplarProblems(bad)).not.toEqual([]);
  });
});
