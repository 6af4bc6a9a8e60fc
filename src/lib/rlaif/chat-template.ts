// Chat templates of Hugging Face models (tokenizer_config.json's chat_template) rendered with
// @huggingface/jinja, the same engine transformers.js uses, so prompts match what the model saw.
import { Template } from '@huggingface/jinja';
import type { ChatMessage, ChatTemplate } from './engine';

export interface TokenizerConfig {
  chat_template?: string | { name: string; template: string }[];
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
}

function tokenText(token: TokenizerConfig['bos_token']): string {
  if (!token) return '';
  return typeof token === 'string' ? token : token.content;
}

/** The default template of a tokenizer config, or undefined for base models that have none. */
export function chatTemplateFrom(config: TokenizerConfig): ChatTemplate | undefined {
  const raw = config.chat_template;
  const source = Array.isArray(raw)
    ? (raw.find((t) => t.name === 'default') ?? raw[0])?.template
    : raw;
  if (!source) return undefined;
  const template = new Template(source);
  const specials = {
    bos_token: tokenText(config.bos_token),
    eos_token: tokenText(config.eos_token),
  };
  return (messages: ChatMessage[], addGenerationPrompt: boolean) =>
    template.render({ messages, add_generation_prompt: addGenerationPrompt, ...specials });
}
