// The prompt settings flags shared by `label` and `inspect`, turned into the core's LabelingConfig.
import { readFileSync } from 'node:fs';
import { DEFAULT_LABELING, type LabelingConfig } from '../lib/rlaif/labeler';
import type { Averaging } from '../lib/rlaif/preference';
import type { PromptConfig } from '../lib/rlaif/prompt';
import type { Task } from '../lib/rlaif/types';
import { choice, flag, integer, number, text, UsageError, type Options, type Parsed } from './args';

export const TASKS: readonly Task[] = ['summarization', 'helpful', 'harmless'];

export const PROMPT_OPTIONS: Options = {
  task: { type: 'string' },
  preamble: { type: 'string' },
  'preamble-file': { type: 'string' },
  shots: { type: 'string' },
  cot: { type: 'boolean' },
  samples: { type: 'string' },
  temperature: { type: 'string' },
  'max-rationale-tokens': { type: 'string' },
  'no-debias': { type: 'boolean' },
  averaging: { type: 'string' },
  format: { type: 'string' },
  seed: { type: 'string' },
};

export const PROMPT_HELP = `Prompt settings (the Label page's, same defaults):
  --task summarization|helpful|harmless   default: the first pair's task; other tasks are skipped
  --preamble base|detailed                default base
  --preamble-file <file>                  your own preamble (the app's "custom")
  --shots <n>                             few-shot exemplars from data/exemplars.json, default 0
  --cot                                   two-step chain of thought (a rationale, then the score)
  --samples <n>                           CoT rationales per order (self-consistency), default 1
  --temperature <t>                       sampling temperature when --samples > 1, default 1
  --max-rationale-tokens <n>              default 512
  --no-debias                             score the stored order only (default: both orders)
  --averaging probability|logprob         how the two orders are averaged, default probability
  --format raw|chat                       raw text for base models, chat for instruct, default raw
  --seed <n>                              default 0`;

/** The task a run labels: --task, else the first pair's. */
export function taskOf(parsed: Parsed, firstPairTask: Task | undefined): Task {
  return choice(parsed, 'task', TASKS, firstPairTask ?? 'summarization');
}

export function labelingConfig(parsed: Parsed, task: Task): LabelingConfig {
  const file = text(parsed, 'preamble-file');
  if (file && text(parsed, 'preamble')) {
    throw new UsageError('Give --preamble or --preamble-file, not both.');
  }
  const prompt: PromptConfig = {
    task,
    preamble: file ? 'custom' : choice(parsed, 'preamble', ['base', 'detailed'] as const, 'base'),
    ...(file ? { customPreamble: readPreamble(file) } : {}),
    shots: integer(parsed, 'shots', 0),
    cot: flag(parsed, 'cot'),
    format: choice(parsed, 'format', ['raw', 'chat'] as const, 'raw'),
  };
  const d = DEFAULT_LABELING;
  return {
    prompt,
    debias: !flag(parsed, 'no-debias'),
    averaging: choice<Averaging>(parsed, 'averaging', ['probability', 'logprob'], d.averaging),
    samples: integer(parsed, 'samples', d.samples, 1),
    temperature: number(parsed, 'temperature', d.temperature),
    maxRationaleTokens: integer(parsed, 'max-rationale-tokens', d.maxRationaleTokens, 1),
    seed: integer(parsed, 'seed', d.seed),
  };
}

function readPreamble(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read --preamble-file ${file}: ${(error as Error).message}`);
  }
}
