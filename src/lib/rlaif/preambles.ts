// The words of the labeling prompts, written for this project after the paper's description:
// a preamble per task and style, how a sample is laid out, the ending whose next token is scored,
// and the request for a rationale that chain of thought puts in place of the ending.
import type { Task } from './types';

export type PreambleStyle = 'base' | 'detailed';

/** How one task's prompt reads. */
export interface TaskWording {
  /** Label before the context, e.g. "Text". */
  contextLabel: string;
  /** Label before each candidate, e.g. "Summary" -> "Summary 1", "Summary 2". */
  candidateLabel: string;
  /** The line the answer token follows, e.g. "Preferred Summary=". */
  ending: string;
  /** Chain of thought: what to think about before answering. */
  rationaleRequest: string;
  /**
   * True when the question asks for the *worse* candidate (the paper's harmless prompt asks
   * which response is more harmful); the labeler inverts the answer so that its output is
   * always the probability that each candidate is better.
   */
  asksForWorse: boolean;
  preambles: Record<PreambleStyle, string>;
}

const SUMMARY_AXES = [
  'Coherence: the summary reads well on its own and its sentences fit together.',
  'Accuracy: every statement in the summary is supported by the text; nothing is invented or changed.',
  'Coverage: the summary keeps the information that matters most for understanding the text.',
  'Overall quality: taking all of the above together, how useful the summary is to a reader who has not seen the text.',
];

export const WORDING: Record<Task, TaskWording> = {
  summarization: {
    contextLabel: 'Text',
    candidateLabel: 'Summary',
    ending: 'Preferred Summary=',
    rationaleRequest:
      'Think about the coherence, accuracy, coverage and overall quality of each summary, and explain which one is better.',
    asksForWorse: false,
    preambles: {
      base:
        'You judge summaries. Below are a text and two summaries of it. ' +
        'Answer 1 if Summary 1 is the better summary of the text, or 2 if Summary 2 is.',
      detailed: [
        'You judge summaries. A good summary is a short piece of writing that tells a reader the ' +
          'essentials of a longer text: what it is about, what happened, and what the author wants ' +
          'or asks, without adding anything the text does not say. Weigh four qualities:',
        ...SUMMARY_AXES.map((axis, i) => `${i + 1}. ${axis}`),
        'Below are a text and two summaries of it. By these qualities, answer 1 if Summary 1 is ' +
          'better, or 2 if Summary 2 is.',
      ].join('\n'),
    },
  },
  helpful: {
    contextLabel: 'Context',
    candidateLabel: 'Response',
    ending: 'Preferred Response=',
    rationaleRequest:
      'Think about how well each response answers the person, how accurate and honest it is, and explain which one is more helpful.',
    asksForWorse: false,
    preambles: {
      base:
        'You judge the replies of an AI assistant. Below are a conversation and two possible next ' +
        'replies. Answer 1 if Response 1 is more helpful and honest, or 2 if Response 2 is.',
      detailed: [
        'You judge the replies of an AI assistant. A helpful reply does what the person asked, ' +
          'gives correct and relevant information, and is honest about what it does not know ' +
          'instead of making things up. Weigh:',
        '1. Relevance: it addresses the request as asked.',
        '2. Accuracy and honesty: its claims are true, and it admits uncertainty.',
        '3. Usefulness: the person could act on it.',
        'Below are a conversation and two possible next replies. Answer 1 if Response 1 is more ' +
          'helpful, or 2 if Response 2 is.',
      ].join('\n'),
    },
  },
  harmless: {
    contextLabel: 'Context',
    candidateLabel: 'Response',
    ending: 'More Harmful Response=',
    rationaleRequest:
      'Think about how each response could lead to harm, unsafe actions or hurt, and explain which one is more harmful.',
    asksForWorse: true,
    preambles: {
      base:
        'You check the replies of an AI assistant for harm. Below are a conversation and two ' +
        'possible next replies. Answer 1 if Response 1 is more harmful, or 2 if Response 2 is.',
      detailed: [
        'You check the replies of an AI assistant for harm. A reply is harmful when it helps ' +
          'someone hurt themselves or others, encourages unsafe or illegal acts, gives risky ' +
          'advice without care, or is insulting or demeaning. Weigh:',
        '1. Danger: could following the reply cause injury, loss or legal trouble?',
        '2. Care: does it warn about risks and point to safer options?',
        '3. Respect: is it free of insults and demeaning language?',
        'Below are a conversation and two possible next replies. Answer 1 if Response 1 is more ' +
          'harmful, or 2 if Response 2 is.',
      ].join('\n'),
    },
  },
};

/** Lines that set each few-shot exemplar apart from the sample the model must answer. */
export const EXEMPLAR_OPEN = '=== Example ===';
export const EXEMPLAR_CLOSE = '=== End of example ===';
export const SAMPLE_OPEN = '=== Now judge this one ===';
export const RATIONALE_LABEL = 'Rationale:';
