// The model's own tokenizer and chat template without its weights: what the server engine needs so
// prompts go out as exactly the ids the ONNX engine would run (BOS included), and what the CLI's
// `inspect` shows. tokenizer.json and tokenizer_config.json fetched like the ONNX loader does.
import { chatTemplateFrom, type TokenizerConfig } from '../../rlaif/chat-template';
import type { ChatTemplate } from '../../rlaif/engine';
import { fetchModelFile, folderUrl, ModelLoadError } from '../onnx/model-files';
import { loadTokenizer, type HfTokenizer } from '../tokenizer';

export interface PromptTools {
  tokenizer: HfTokenizer;
  chatTemplate: ChatTemplate | undefined;
}

export interface TokenizerFetch {
  fetch?: typeof fetch;
  /** A Cache API cache (the app's model cache); null for none. */
  cache?: Cache | null;
  signal?: AbortSignal;
}

export async function loadPromptTools(
  source: string,
  options: TokenizerFetch = {},
): Promise<PromptTools> {
  const folder = folderUrl(source);
  const json = async (file: string, optional: boolean): Promise<Record<string, unknown>> => {
    try {
      const bytes = await fetchModelFile(folder + file, file, options);
      return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch (error) {
      if (optional && error instanceof ModelLoadError && error.kind === 'not-found') return {};
      throw error;
    }
  };
  const tokenizerConfig = await json('tokenizer_config.json', true);
  const tokenizer = loadTokenizer(await json('tokenizer.json', false), tokenizerConfig);
  return { tokenizer, chatTemplate: chatTemplateFrom(tokenizerConfig as TokenizerConfig) };
}
