// A TL;DR-format comparisons file (OpenAI summarize-from-feedback, one comparison per line) made
// from the built-in summarization probes: several comparisons per post, posts interleaved the way
// the real file's batches spread them, so labelling in file order keeps switching context.
import { readFileSync } from 'node:fs';

interface Probe {
  id: string;
  context: string;
  candidates: [string, string];
  choice: 0 | 1;
}

export function readProbes(path = 'data/probes/summarization.jsonl'): Probe[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Probe);
}

/** SUBREDDIT/TITLE/POST back out of a probe's context (the parser joins them again). */
function infoOf(probe: Probe) {
  const match = /^SUBREDDIT: r\/(.*)\nTITLE: (.*)\nPOST: ([\s\S]*)$/.exec(probe.context);
  if (!match) throw new Error(`${probe.id}: not a TL;DR post`);
  return { id: probe.id, subreddit: match[1]!, title: match[2]!, post: match[3]! };
}

/** The first sentence: a shorter third and fourth summary, so a post has more distinct pairs. */
function firstSentence(text: string): string {
  const end = text.search(/[.?!]\s/);
  return end > 0 ? text.slice(0, end + 1) : text;
}

/** `perPost` comparisons of each post: (good, bad), (bad-short, good), (good-short, bad), ... */
function comparisonsOf(probe: Probe, perPost: number) {
  const good = probe.candidates[probe.choice];
  const bad = probe.candidates[1 - probe.choice]!;
  // The human choice is always the summary made from the probe's better one.
  const pool: [string, string, 0 | 1][] = [
    [good, bad, 0],
    [firstSentence(bad), good, 1],
    [good, firstSentence(bad), 0],
    [bad, firstSentence(good), 1],
    [firstSentence(good), bad, 0],
    [bad, good, 1],
  ];
  if (perPost > pool.length) throw new RangeError(`at most ${pool.length} comparisons per post`);
  return pool.slice(0, perPost).map(([a, b, choice], k) => ({
    info: infoOf(probe),
    summaries: [
      { text: ` ${a}`, policy: `policy-${k}a` },
      { text: ` ${b}`, policy: `policy-${k}b` },
    ],
    choice,
    worker: `w${k}`,
    batch: `batch${k}`,
    split: 'valid1',
    extra: { confidence: 1 + ((k * 3) % 9) },
  }));
}

/** JSONL with round k of every post before round k + 1 (contexts interleaved). */
export function tldrComparisons(probes: Probe[], perPost: number): string {
  const perProbe = probes.map((p) => comparisonsOf(p, perPost));
  const lines: string[] = [];
  for (let k = 0; k < perPost; k++) {
    for (const comparisons of perProbe) lines.push(JSON.stringify(comparisons[k]));
  }
  return `${lines.join('\n')}\n`;
}
