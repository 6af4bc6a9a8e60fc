// TRL's preference format, {prompt, chosen, rejected}: either three strings, or the conversational
// form where each is a list of {role, content} messages (the prompt is the dialogue so far, chosen
// and rejected hold the reply). Conversations become a "Human: ... / Assistant: ..." transcript.

import type { PreferencePair } from '../types';
import { asRecord, guard, kindOf, need, reject, string, type JsonObject } from './fields';
import { orderPair, type PairOptions } from './order';

/** One TRL record to a pair, or the reason it is unusable. */
export function parseTrlRecord(
  value: unknown,
  line: number,
  options: PairOptions = {},
): PreferencePair | string {
  return guard(() => {
    const record = asRecord(value);
    const context = promptOf(need(record, 'prompt'));
    const chosen = replyOf(need(record, 'chosen'), 'chosen');
    const rejected = replyOf(need(record, 'rejected'), 'rejected');
    return {
      id: `trl-${line}`,
      task: options.task ?? 'helpful',
      context,
      ...orderPair(chosen, rejected, options.seed ?? 0, line),
      source: { format: 'trl', line },
    };
  });
}

export interface Message {
  role: string;
  content: string;
}

function promptOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : transcript(messagesOf(value, 'prompt'));
}

/** A candidate is a string, or the last assistant message of a conversation. */
function replyOf(value: unknown, key: string): string {
  if (typeof value === 'string') return value.trim();
  const reply = messagesOf(value, key).findLast((m) => m.role === 'assistant');
  if (!reply) reject(`field "${key}" has no message with role "assistant"`);
  return reply.content.trim();
}

function messagesOf(value: unknown, key: string): Message[] {
  if (!Array.isArray(value)) {
    reject(`field "${key}" must be a string or an array of messages, got ${kindOf(value)}`);
  }
  return value.map((message: unknown, i) => {
    const path = `${key}[${i}]`;
    if (kindOf(message) !== 'object') {
      reject(`field "${path}" must be a {role, content} message, got ${kindOf(message)}`);
    }
    const m = message as JsonObject;
    return {
      role: string(m, 'role', `${path}.role`),
      content: string(m, 'content', `${path}.content`),
    };
  });
}

const SPEAKERS: Record<string, string> = {
  user: 'Human',
  assistant: 'Assistant',
  system: 'System',
};

/** Messages as the paper's dialogue context: "Human: ...\n\nAssistant: ...", turns trimmed. */
export function transcript(messages: Message[]): string {
  const speaker = (role: string) => SPEAKERS[role] ?? role.charAt(0).toUpperCase() + role.slice(1);
  return messages.map((m) => `${speaker(m.role)}: ${m.content.trim()}`).join('\n\n');
}
