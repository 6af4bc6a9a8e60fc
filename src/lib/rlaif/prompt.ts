// The labeling prompt in the paper's four parts: preamble, optional few-shot exemplars (with
// optional rationales), the sample, and the ending whose next token is scored. Built as cacheable
// segments (see ScoreRequest): [dataset prefix, pair prefix] + one continuation per order.
import type { ChatTemplate, TokenizerAccess } from './engine';
import {
  EXEMPLAR_CLOSE,
  EXEMPLAR_OPEN,
  RATIONALE_LABEL,
  SAMPLE_OPEN,
  WORDING,
  type PreambleStyle,
} from './preambles';
import type { Choice, Task } from './types';

/** Everything that decides the prompt text. Stored with each label (as a hash) and in share links. */
export interface PromptConfig {
  task: Task;
  preamble: PreambleStyle | 'custom';
  /** The user's own preamble when `preamble` is 'custom'. */
  customPreamble?: string;
  /** Number of few-shot exemplars (0, 1, 2, ...), taken in order from the task's exemplars. */
  shots: number;
  /** Two-step chain of thought: ask for a rationale first, then score with it in the prompt. */
  cot: boolean;
  /** 'chat' wraps the prompt in the model's chat template; 'raw' is plain text for base models. */
  format: 'chat' | 'raw';
}

/** A solved example shown before the sample. `choice` is the better candidate. */
export interface Exemplar {
  context: string;
  candidates: [string, string];
  choice: Choice;
  rationale?: string;
}

/** One order of one pair, ready for an engine: the full text is prefix.join('') + continuation. */
export interface LabelPrompt {
  prefix: [dataset: string, pair: string];
  continuation: string;
}

export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}

export function fullText(prompt: LabelPrompt): string {
  return prompt.prefix.join('') + prompt.continuation;
}

export function preambleText(config: PromptConfig): string {
  if (config.preamble !== 'custom') return WORDING[config.task].preambles[config.preamble];
  const text = config.customPreamble?.trim();
  if (!text)
    throw new PromptError('The custom preamble is empty: write one or pick Base or Detailed.');
  return text;
}

function contextLine(task: Task, context: string): string {
  return `${WORDING[task].contextLabel} - ${context.trim()}\n`;
}

function candidateLines(task: Task, candidates: readonly [string, string]): string {
  const label = WORDING[task].candidateLabel;
  return candidates.map((c, i) => `${label} ${i + 1} - ${c.trim()}\n`).join('');
}

/** The answer an exemplar shows: the better candidate, or the worse when the question asks for it. */
export function exemplarAnswer(task: Task, exemplar: Exemplar): '1' | '2' {
  const shown = WORDING[task].asksForWorse ? 1 - exemplar.choice : exemplar.choice;
  return shown === 0 ? '1' : '2';
}

function exemplarBlock(config: PromptConfig, exemplar: Exemplar): string {
  const wording = WORDING[config.task];
  const rationale =
    config.cot && exemplar.rationale ? `${RATIONALE_LABEL} ${exemplar.rationale.trim()}\n` : '';
  return (
    `${EXEMPLAR_OPEN}\n` +
    contextLine(config.task, exemplar.context) +
    candidateLines(config.task, exemplar.candidates) +
    rationale +
    `${wording.ending}${exemplarAnswer(config.task, exemplar)}\n` +
    `${EXEMPLAR_CLOSE}\n\n`
  );
}

/** The part of the prompt every pair of a dataset shares: preamble and exemplars. */
function datasetText(config: PromptConfig, exemplars: readonly Exemplar[]): string {
  if (config.shots > exemplars.length) {
    throw new PromptError(
      `${config.shots}-shot needs ${config.shots} exemplars for ${config.task}; ${exemplars.length} are available.`,
    );
  }
  const shots = exemplars.slice(0, config.shots).map((e) => exemplarBlock(config, e));
  return `${preambleText(config)}\n\n${shots.join('')}${shots.length ? `${SAMPLE_OPEN}\n` : ''}`;
}

/** What follows the candidates: the ending, or with chain of thought the request for a rationale. */
function askText(config: PromptConfig): { user: string; assistant: string } {
  const wording = WORDING[config.task];
  if (!config.cot) return { user: '', assistant: wording.ending };
  return { user: `\n${wording.rationaleRequest}\n`, assistant: RATIONALE_LABEL };
}

/**
 * The text a raw prompt starts with: what the tokenizer's post-processor adds by default (BOS for
 * Llama 2 or Gemma), so a base model reads what Hugging Face's encode would give it.
 */
export function promptBos(tokenizer: TokenizerAccess | undefined): string {
  return tokenizer?.specialPrefix?.text ?? '';
}

/**
 * Lay out prompt parts as cacheable segments. Raw text for base models, after `bos` (once: a
 * prompt that already starts with it keeps its own); with a chat template the parts form the user
 * turn and `assistant` opens the assistant turn, the cuts kept where they were. Chat prompts get
 * no BOS of ours: the template writes its own, as apply_chat_template does in Hugging Face.
 */
export function segment(
  parts: { dataset: string; pair: string; body: string; assistant: string },
  format: PromptConfig['format'],
  template?: ChatTemplate,
  bos = '',
): LabelPrompt {
  const { dataset, pair, body, assistant } = parts;
  if (format === 'raw') {
    const start = dataset.startsWith(bos) ? dataset : bos + dataset;
    return { prefix: [start, pair], continuation: body + assistant };
  }
  if (!template) {
    throw new PromptError('This model has no chat template: use the raw prompt format for it.');
  }
  const user = (dataset + pair + body).trimEnd();
  const rendered = template([{ role: 'user', content: user }], true);
  const at = rendered.indexOf(user);
  if (at < 0)
    throw new PromptError('The chat template changed the prompt text; use the raw format.');
  const tail = rendered.slice(at + dataset.length + pair.length);
  return { prefix: [rendered.slice(0, at) + dataset, pair], continuation: tail + assistant };
}

/** Build the prompt for one order of a pair. `candidates` are in the order shown to the model. */
export function buildPrompt(
  config: PromptConfig,
  exemplars: readonly Exemplar[],
  context: string,
  candidates: readonly [string, string],
  template?: ChatTemplate,
  bos = '',
): LabelPrompt {
  const ask = askText(config);
  const parts = {
    dataset: datasetText(config, exemplars),
    pair: contextLine(config.task, context),
    body: candidateLines(config.task, candidates) + ask.user,
    assistant: ask.assistant,
  };
  return segment(parts, config.format, template, bos);
}

/** Chain of thought, step two: the step-one prompt, the rationale, then the normal ending. */
export function withRationale(
  config: PromptConfig,
  prompt: LabelPrompt,
  rationale: string,
): LabelPrompt {
  const ending = WORDING[config.task].ending;
  return {
    prefix: prompt.prefix,
    continuation: `${prompt.continuation} ${rationale.trim()}\n${ending}`,
  };
}
