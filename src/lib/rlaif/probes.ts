// The built-in probe set (data/, CC0, written for this project): 66 summarization pairs with one
// controlled defect each and 24 helpful/harmless dialogue pairs, plus few-shot exemplars. Bundled
// as text and read with the same parser as a user's files, so the app works offline from the start.
import dialogueJsonl from '../../../data/probes/dialogue.jsonl?raw';
import summarizationJsonl from '../../../data/probes/summarization.jsonl?raw';
import exemplarsJson from '../../../data/exemplars.json';
import { parseDataset } from './datasets';
import type { Exemplar } from './prompt';
import type { PreferencePair, Task } from './types';

export const EXEMPLARS = exemplarsJson as Record<Task, Exemplar[]>;

/** Every probe pair, in file order: summarization first, then dialogue. */
export async function loadProbes(): Promise<PreferencePair[]> {
  const pairs: PreferencePair[] = [];
  for (const [name, text] of [
    ['summarization.jsonl', summarizationJsonl],
    ['dialogue.jsonl', dialogueJsonl],
  ] as const) {
    const result = await parseDataset(text, { format: 'native', fileName: name });
    // The probes are ours and tested: a bad line here is a bug, not user input.
    if (result.errors.length) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
    pairs.push(...result.pairs);
  }
  return pairs;
}
