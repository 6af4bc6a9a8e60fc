// OpenAI summarize-from-feedback comparisons (the paper's TL;DR data), one comparison per line:
// {info: {id, post, title, subreddit} or {id, article, site}, summaries: [{text, policy, note} x2],
//  choice: 0|1, worker, batch, split, extra: {confidence: 1..9}}.

import type { PreferencePair } from '../types';
import {
  array,
  asRecord,
  choice,
  compact,
  guard,
  kindOf,
  metaFrom,
  object,
  optionalNumber,
  optionalObject,
  optionalScalar,
  optionalString,
  reject,
  string,
  type JsonObject,
} from './fields';

/** One comparison record to a pair, or the reason it is unusable. */
export function parseOpenAiRecord(value: unknown, line: number): PreferencePair | string {
  return guard(() => {
    const record = asRecord(value);
    const info = object(record, 'info');
    const [a, b] = summariesOf(record);
    const extra = optionalObject(record, 'extra');
    const postId = string(info, 'id', 'info.id');
    const meta = metaFrom({
      postId,
      policy0: a.policy,
      policy1: b.policy,
      worker: optionalScalar(record, 'worker'),
      batch: optionalScalar(record, 'batch'),
      split: optionalScalar(record, 'split'),
    });
    return compact<PreferencePair>({
      id: `${postId}-${line}`, // a post is compared many times, so its id alone repeats
      task: 'summarization',
      context: contextOf(info),
      candidates: [a.text, b.text],
      humanChoice: choice(record, 'choice'),
      humanConfidence: confidenceOf(extra),
      source: { format: 'openai-comparisons', line, meta },
    });
  });
}

/** TL;DR posts become SUBREDDIT/TITLE/POST; CNN/DM articles become [TITLE/]ARTICLE. */
function contextOf(info: JsonObject): string {
  const subreddit = optionalString(info, 'subreddit', 'info.subreddit');
  const title = optionalString(info, 'title', 'info.title');
  const post = optionalString(info, 'post', 'info.post');
  const article = optionalString(info, 'article', 'info.article');
  const body =
    post !== undefined
      ? `POST: ${post.trim()}`
      : article !== undefined
        ? `ARTICLE: ${article.trim()}`
        : reject('missing field "info.post" (or "info.article" for CNN/DM)');
  const head = [subreddit && `SUBREDDIT: r/${subreddit}`, title && `TITLE: ${title.trim()}`];
  return [...head, body].filter(Boolean).join('\n');
}

/** The two summaries, trimmed: the dataset stores most of them with a leading space. */
function summariesOf(record: JsonObject): [Summary, Summary] {
  const summaries = array(record, 'summaries');
  if (summaries.length !== 2) {
    reject(`field "summaries" must hold two summaries, got ${summaries.length}`);
  }
  return [summaryOf(summaries[0], 0), summaryOf(summaries[1], 1)];
}

interface Summary {
  text: string;
  policy?: string;
}

function summaryOf(value: unknown, index: number): Summary {
  const path = `summaries[${index}]`;
  if (kindOf(value) !== 'object') reject(`field "${path}" must be an object, got ${kindOf(value)}`);
  const summary = value as JsonObject;
  return {
    text: string(summary, 'text', `${path}.text`).trim(),
    policy: optionalString(summary, 'policy', `${path}.policy`),
  };
}

function confidenceOf(extra: JsonObject): number | undefined {
  const confidence = optionalNumber(extra, 'confidence', 'extra.confidence');
  const inRange = (c: number) => Number.isInteger(c) && c >= 1 && c <= 9;
  if (confidence !== undefined && !inRange(confidence)) {
    reject(`field "extra.confidence" must be an integer from 1 to 9, got ${confidence}`);
  }
  return confidence;
}
