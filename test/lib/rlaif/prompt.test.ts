import { describe, expect, it } from 'vitest';
import { chatTemplateFrom } from '../../../src/lib/rlaif/chat-template';
import {
  buildPrompt,
  exemplarAnswer,
  fullText,
  PromptError,
  withRationale,
  type Exemplar,
  type PromptConfig,
} from '../../../src/lib/rlaif/prompt';
import { WORDING } from '../../../src/lib/rlaif/preambles';
import { CHATML_TEMPLATE } from '../../support/tokenizers';

const base: PromptConfig = {
  task: 'summarization',
  preamble: 'base',
  shots: 0,
  cot: false,
  format: 'raw',
};
const post =
  'SUBREDDIT: r/cats\nTITLE: My cat hates Mondays\nPOST: Every Monday he knocks my coffee over.';
const exemplars: Exemplar[] = [
  { context: 'Post A', candidates: ['good A', 'bad A'], choice: 0, rationale: 'A is accurate.' },
  {
    context: 'Post B',
    candidates: ['bad B', 'good B'],
    choice: 1,
    rationale: 'B keeps the point.',
  },
];

describe('buildPrompt, raw text', () => {
  it('lays out preamble, sample and ending exactly', () => {
    const p = buildPrompt(base, [], post, ['He spills coffee.', 'He likes Mondays.']);
    expect(fullText(p)).toBe(
      `${WORDING.summarization.preambles.base}\n\n` +
        `Text - ${post}\n` +
        'Summary 1 - He spills coffee.\n' +
        'Summary 2 - He likes Mondays.\n' +
        'Preferred Summary=',
    );
    expect(p.prefix[1]).toBe(`Text - ${post}\n`);
  });

  it('puts exemplars (with rationales under chain of thought) between delimiters', () => {
    const p = buildPrompt({ ...base, shots: 2, cot: true }, exemplars, 'Post C', ['x', 'y']);
    expect(p.prefix[0]).toBe(
      `${WORDING.summarization.preambles.base}\n\n` +
        '=== Example ===\nText - Post A\nSummary 1 - good A\nSummary 2 - bad A\n' +
        'Rationale: A is accurate.\nPreferred Summary=1\n=== End of example ===\n\n' +
        '=== Example ===\nText - Post B\nSummary 1 - bad B\nSummary 2 - good B\n' +
        'Rationale: B keeps the point.\nPreferred Summary=2\n=== End of example ===\n\n' +
        '=== Now judge this one ===\n',
    );
    expect(p.continuation).toBe(
      `Summary 1 - x\nSummary 2 - y\n\n${WORDING.summarization.rationaleRequest}\nRationale:`,
    );
  });

  it('omits exemplar rationales without chain of thought', () => {
    const p = buildPrompt({ ...base, shots: 1 }, exemplars, 'c', ['x', 'y']);
    expect(p.prefix[0]).not.toContain('Rationale:');
    expect(p.prefix[0]).toContain('Preferred Summary=1\n=== End of example ===');
  });

  it('shows the worse candidate as the answer when the question asks for it (harmless)', () => {
    expect(exemplarAnswer('harmless', exemplars[0]!)).toBe('2');
    expect(exemplarAnswer('helpful', exemplars[0]!)).toBe('1');
    const p = buildPrompt({ ...base, task: 'harmless', shots: 1 }, exemplars, 'Human: hi', [
      'a',
      'b',
    ]);
    expect(p.prefix[0]).toContain('More Harmful Response=2\n');
    expect(p.prefix[1]).toBe('Context - Human: hi\n');
    expect(p.continuation).toBe('Response 1 - a\nResponse 2 - b\nMore Harmful Response=');
  });

  it('shares the dataset and pair prefixes between the two orders; each ends with a newline', () => {
    const a = buildPrompt({ ...base, shots: 2 }, exemplars, post, ['one', 'two']);
    const b = buildPrompt({ ...base, shots: 2 }, exemplars, post, ['two', 'one']);
    expect(b.prefix).toEqual(a.prefix);
    expect(a.continuation).not.toBe(b.continuation);
    for (const part of a.prefix) expect(part.endsWith('\n')).toBe(true);
  });

  it('uses a custom preamble, and rejects an empty one or too few exemplars', () => {
    const custom = {
      ...base,
      preamble: 'custom' as const,
      customPreamble: '  Pick the kinder one.  ',
    };
    expect(fullText(buildPrompt(custom, [], 'c', ['a', 'b']))).toMatch(
      /^Pick the kinder one\.\n\n/,
    );
    expect(() => buildPrompt({ ...custom, customPreamble: ' ' }, [], 'c', ['a', 'b'])).toThrow(
      PromptError,
    );
    expect(() => buildPrompt({ ...base, shots: 3 }, exemplars, 'c', ['a', 'b'])).toThrow(
      /3-shot needs 3 exemplars/,
    );
  });

  it('appends the rationale and the ending for chain of thought step two', () => {
    const cot = { ...base, cot: true };
    const p = buildPrompt(cot, [], 'c', ['a', 'b']);
    const q = withRationale(cot, p, '  Summary 1 is accurate.\n');
    expect(q.prefix).toEqual(p.prefix);
    expect(q.continuation).toBe(`${p.continuation} Summary 1 is accurate.\nPreferred Summary=`);
  });
});

describe('buildPrompt, chat template', () => {
  const template = chatTemplateFrom({ chat_template: CHATML_TEMPLATE })!;

  it('wraps the prompt in the user turn and opens the assistant turn with the ending', () => {
    const p = buildPrompt({ ...base, format: 'chat' }, [], 'the post', ['a', 'b'], template);
    expect(fullText(p)).toBe(
      '<|im_start|>user\n' +
        `${WORDING.summarization.preambles.base}\n\nText - the post\nSummary 1 - a\nSummary 2 - b` +
        '<|im_end|>\n<|im_start|>assistant\nPreferred Summary=',
    );
    expect(p.prefix[0].startsWith('<|im_start|>user\n')).toBe(true);
    expect(p.prefix[1]).toBe('Text - the post\n');
  });

  it('opens the assistant turn with "Rationale:" under chain of thought', () => {
    const p = buildPrompt({ ...base, format: 'chat', cot: true }, [], 'p', ['a', 'b'], template);
    expect(p.continuation).toBe(
      `Summary 1 - a\nSummary 2 - b\n\n${WORDING.summarization.rationaleRequest}` +
        '<|im_end|>\n<|im_start|>assistant\nRationale:',
    );
  });

  it('explains when a model has no template or the template rewrites the text', () => {
    expect(() => buildPrompt({ ...base, format: 'chat' }, [], 'p', ['a', 'b'])).toThrow(
      /no chat template/,
    );
    const shouting = chatTemplateFrom({
      chat_template: '{% for m in messages %}{{ m.content | upper }}{% endfor %}',
    })!;
    expect(() => buildPrompt({ ...base, format: 'chat' }, [], 'p', ['a', 'b'], shouting)).toThrow(
      /changed the prompt text/,
    );
  });

  it('reads templates listed by name and passes bos/eos tokens', () => {
    const t = chatTemplateFrom({
      chat_template: [
        { name: 'default', template: '{{ bos_token }}{{ messages[0].content }}{{ eos_token }}' },
      ],
      bos_token: { content: '<s>' },
      eos_token: '</s>',
    })!;
    expect(t([{ role: 'user', content: 'hi' }], false)).toBe('<s>hi</s>');
    expect(chatTemplateFrom({})).toBeUndefined();
  });
});
