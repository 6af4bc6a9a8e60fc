// `--engine onnx:<folder|hub-id>`: the app's ONNX engine on onnxruntime-web's WASM execution
// provider, in Node. A local folder is read from disk; a Hub id is downloaded (no cache).
// `--engine server:<base-url>`: an OpenAI-compatible server, prompts tokenized here.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OrtModule } from '../lib/engines/onnx/causal-lm';
import { loadOnnxLabeler } from '../lib/engines/onnx/load';
import { VARIANT_FILES, type OnnxVariant } from '../lib/engines/onnx/model-files';
import {
  loadPromptTools as loadTokenizerFiles,
  type PromptTools,
} from '../lib/engines/server/tokenize';
import type { LabelerEngine } from '../lib/rlaif/engine';
import type { EngineStats, OnnxEngine } from '../lib/engines/onnx/engine';
import { ServerEngine } from '../lib/engines/server/engine';
import { UsageError } from './args';

export type EngineSpec = { kind: 'onnx'; source: string } | { kind: 'server'; source: string };

export const SERVER_KINDS = ['auto', 'vllm', 'sglang', 'llamacpp', 'ollama', 'openai'] as const;

/** How to reach a server engine, from the flags (and the API key from the environment). */
export interface ServerFlags {
  kind: (typeof SERVER_KINDS)[number];
  model?: string;
  tokenizer?: string;
  concurrency: number;
  apiKey?: string;
  /** Recorded with every label; resuming matches on it. */
  modelId?: string;
}

export const ENGINE_HELP = `Engines:
  --engine onnx:<folder|hub-id>   a transformers.js-format ONNX folder on disk (e.g.
                                  onnx:models/tiny-llama) or a Hugging Face id to download
  --variant <name>                weights to load: ${Object.keys(VARIANT_FILES).join(', ')} (default fp32)
  --threads <n>                   WASM threads (default 1)
  --engine server:<base-url>      an OpenAI-compatible server, e.g. server:http://127.0.0.1:8080
  --server-kind <kind>            ${SERVER_KINDS.join('|')} (default auto: detected)
  --server-model <name>           the served model (default: the first the server lists)
  --tokenizer <folder|hub-id>     the model's tokenizer.json (and chat template): prompts go
                                  out as exactly the ids the ONNX engine would run (required)
  RLAIF_SERVER_API_KEY            env: the server's API key, sent as Authorization: Bearer`;

export function parseEngineSpec(spec: string | undefined): EngineSpec {
  if (!spec) throw new UsageError('--engine is required, e.g. --engine onnx:models/tiny-llama');
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? '' : spec.slice(0, colon);
  const source = spec.slice(colon + 1);
  if (kind === 'server') {
    if (!/^https?:\/\/[^/]/.test(source))
      throw new UsageError(
        `--engine server: needs the server's base URL, e.g. server:http://127.0.0.1:8080; got "${source}".`,
      );
    return { kind: 'server', source };
  }
  if (kind !== 'onnx' || !source) {
    throw new UsageError(
      `Unknown engine "${spec}": use onnx:<folder|hub-id> or server:<base-url>.`,
    );
  }
  return { kind: 'onnx', source };
}

export function parseVariant(value: string | undefined): OnnxVariant {
  if (value === undefined) return 'fp32';
  if (!(value in VARIANT_FILES)) {
    throw new UsageError(`--variant must be one of ${Object.keys(VARIANT_FILES).join(', ')}.`);
  }
  return value as OnnxVariant;
}

/** fetch() for file: URLs, so the app's folder loader reads a model from disk. */
const fileFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith('file:')) return fetch(input, init);
  const path = fileURLToPath(url);
  if (!existsSync(path)) return new Response('not found', { status: 404 });
  const bytes = readFileSync(path);
  return new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } });
}) as typeof fetch;

const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/** A folder that exists on disk is a folder; a Hub id ("owner/name") or an http(s) URL is fetched. */
function folderOrId(source: string): string {
  const path = resolve(source);
  if (existsSync(path) && statSync(path).isDirectory()) return pathToFileURL(path).href;
  if ((HUB_ID.test(source) && !source.startsWith('.')) || /^https?:\/\//.test(source))
    return source;
  throw new UsageError(
    `No model folder at ${path}, and "${source}" is not a Hugging Face id (owner/name) or URL.`,
  );
}

/** A loaded engine and its cache counters where it has them (the ONNX engine's). */
export interface LoadedEngine {
  engine: LabelerEngine;
  stats(): EngineStats | null;
}

export async function loadEngine(
  spec: EngineSpec,
  options: {
    variant: OnnxVariant;
    threads: number;
    reusePrefix?: boolean;
    server?: ServerFlags;
  },
): Promise<LoadedEngine> {
  if (spec.kind === 'server') return loadServerEngine(spec.source, options.server);
  const engine = await loadOnnx(spec, options);
  return { engine, stats: () => ({ ...engine.stats }) };
}

async function loadServerEngine(baseUrl: string, flags: ServerFlags | undefined) {
  if (!flags?.tokenizer)
    throw new UsageError(
      "--engine server: needs --tokenizer <folder|hub-id>, the served model's tokenizer.json, " +
        'so prompts are the exact ids the model expects.',
    );
  const engine = await ServerEngine.connect({
    baseUrl,
    kind: flags.kind,
    model: flags.model,
    apiKey: flags.apiKey,
    tokenizer: { source: folderOrId(flags.tokenizer) },
    fetch: fileFetch,
    maxInFlight: 2 * flags.concurrency,
    modelId: flags.modelId,
  });
  return { engine, stats: () => null };
}

async function loadOnnx(
  spec: EngineSpec,
  options: { variant: OnnxVariant; threads: number; reusePrefix?: boolean },
): Promise<OnnxEngine> {
  const ort = await import('onnxruntime-web'); // on first use: --help need not load it
  ort.env.wasm.numThreads = options.threads;
  ort.env.logLevel = 'error';
  const engine = await loadOnnxLabeler(folderOrId(spec.source), {
    ort: ort as unknown as OrtModule,
    ep: 'wasm',
    variant: options.variant,
    shaderF16: false,
    fetch: fileFetch,
    cache: null,
    reusePrefix: options.reusePrefix,
    modelId: spec.source,
  });
  return engine;
}

/** Only the tokenizer and chat template of a model: what `inspect` needs, without the weights. */
export function loadPromptTools(spec: EngineSpec): Promise<PromptTools> {
  return loadTokenizerFiles(folderOrId(spec.source), { fetch: fileFetch, cache: null });
}
