// Anthropic HH-RLHF, {chosen, rejected}: two full transcripts "\n\nHuman: ...\n\nAssistant: ..."
// that share the dialogue and differ in the last assistant turn. We split off the shared part.

import type { PreferencePair } from '../types';
import { asRecord, guard, reject, string } from './fields';
import { orderPair, type PairOptions } from './order';

const TURN = '\n\nAssistant:';

/** One HH-RLHF record to a pair, or why it is unusable. "chosen" is the less harmful reply. */
export function parseHhRecord(
  value: unknown,
  line: number,
  options: PairOptions = {},
): PreferencePair | string {
  return guard(() => {
    const record = asRecord(value);
    const dialogue = splitDialogue(string(record, 'chosen'), string(record, 'rejected'));
    return {
      id: `hh-${line}`,
      task: options.task ?? 'harmless',
      context: dialogue.context,
      ...orderPair(dialogue.chosen, dialogue.rejected, options.seed ?? 0, line),
      source: { format: 'hh-rlhf', line },
    };
  });
}

/**
 * The shared dialogue and the two replies. The context ends at the last "\n\nAssistant:" that lies
 * inside the transcripts' common prefix: normally the final turn. A few real records (5 of the
 * 2,312 in harmless-base test) glue extra turns onto one reply; that reply keeps them, as a diff
 * would (TRL's prompt extraction takes the common prefix too).
 */
export function splitDialogue(
  chosen: string,
  rejected: string,
): { context: string; chosen: string; rejected: string } {
  if (!chosen.includes(TURN)) reject('field "chosen" has no "Assistant:" turn');
  if (!rejected.includes(TURN)) reject('field "rejected" has no "Assistant:" turn');
  const shared = commonPrefixLength(chosen, rejected);
  const cut = shared < TURN.length ? -1 : chosen.lastIndexOf(TURN, shared - TURN.length);
  const context = chosen.slice(0, Math.max(cut, 0)).trim(); // trim: no leading "\n\n"
  if (context === '')
    reject('"chosen" and "rejected" share no dialogue before an "Assistant:" turn');
  const reply = (text: string) => text.slice(cut + TURN.length).trim();
  return { context, chosen: reply(chosen), rejected: reply(rejected) };
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
