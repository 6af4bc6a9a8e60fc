import { describe, expect, it } from 'vitest';
import {
  PAPER_ALIGNMENT_BY_PROMPT,
  PAPER_HEADLINE,
  PAPER_LABELERS,
  paperAlignmentFor,
  promptLabel,
} from '../../../src/lib/rlaif/paper';

describe('the paper’s numbers', () => {
  it('has the eleven prompt rows of the method doc, one per configuration', () => {
    expect(PAPER_ALIGNMENT_BY_PROMPT).toHaveLength(11);
    const keys = PAPER_ALIGNMENT_BY_PROMPT.map((r) => promptLabel(r));
    expect(new Set(keys).size).toBe(11);
    expect(keys[0]).toBe('Base, 0-shot');
    expect(keys).toContain('Detailed + CoT, 2-shot');
  });

  it('headlines Detailed + CoT 0-shot at 78.0% on summarization, matching the PaLM 2 L row', () => {
    expect(promptLabel(PAPER_HEADLINE)).toBe('Detailed + CoT, 0-shot');
    expect(PAPER_HEADLINE.alignment.summarization).toBe(78.0);
    expect(PAPER_LABELERS[0]).toMatchObject({ name: 'PaLM 2 L', alignment: 78.0 });
  });

  it('finds the paper’s alignment for a prompt and task, or null when it has none', () => {
    const prompt = { task: 'harmless' as const, preamble: 'base' as const, cot: false, shots: 2 };
    expect(paperAlignmentFor(prompt)).toBe(72.1);
    expect(paperAlignmentFor({ ...prompt, task: 'helpful', shots: 8, preamble: 'detailed' })).toBe(
      null,
    );
    expect(paperAlignmentFor({ ...prompt, preamble: 'custom' })).toBeNull();
    expect(paperAlignmentFor({ ...prompt, shots: 3 })).toBeNull();
  });

  it('names prompts as the paper does', () => {
    expect(promptLabel({ preamble: 'custom', cot: true, shots: 3 })).toBe('Custom + CoT, 3-shot');
  });
});
