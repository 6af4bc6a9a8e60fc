// `npm run models:fetch -- <model-id>`: copy a web-llm prebuilt model (weights, tokenizer files,
// chat config) and its compiled wasm library into models/mlc/<model-id>/, so the app can serve it
// with no network (talks, air-gapped demos). The app loads it with localModelRecord(<model-id>).
import { prebuiltAppConfig, type AppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { libFileName, modelFilesBase } from '../../src/lib/engines/webllm/custom-model.ts';

export class FetchMlcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchMlcError';
  }
}

export interface MlcChatConfig {
  tokenizer_files?: string[];
}

export interface TensorCache {
  records: { dataPath: string }[];
}

/** Where a prebuilt model's files come from and where they go. */
export function fetchPlan(
  modelId: string,
  appConfig: AppConfig = prebuiltAppConfig,
  root = 'models',
) {
  const record: ModelRecord | undefined = appConfig.model_list.find((r) => r.model_id === modelId);
  if (!record) {
    throw new FetchMlcError(
      `"${modelId}" is not a web-llm prebuilt model id. Ids look like ` +
        'SmolLM2-360M-Instruct-q4f32_1-MLC (see prebuiltAppConfig.model_list).',
    );
  }
  return {
    record,
    /** web-llm's own resolution of the record's model URL (resolve/main/ on the Hub). */
    base: modelFilesBase(record.model),
    libUrl: record.model_lib,
    libFile: libFileName(record),
    outDir: join(root, 'mlc', modelId),
  };
}

/** Every file of the model folder, from its chat config and its tensor cache manifest. */
export function modelFiles(chatConfig: MlcChatConfig, tensorCache: TensorCache): string[] {
  const shards = tensorCache.records.map((r) => r.dataPath);
  const tokenizer = chatConfig.tokenizer_files ?? ['tokenizer.json'];
  return [...new Set(['mlc-chat-config.json', 'tensor-cache.json', ...shards, ...tokenizer])];
}

type Fetch = typeof fetch;

async function download(fetchFn: Fetch, url: string): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new FetchMlcError(
      `Cannot reach ${new URL(url).host} (${error instanceof Error ? error.message : String(error)}). ` +
        'This command needs the network: run it on a machine that is online, then copy ' +
        'models/mlc/ to this one. The app serves what is there with no network.',
    );
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new FetchMlcError(`HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function required(fetchFn: Fetch, url: string): Promise<Uint8Array> {
  const bytes = await download(fetchFn, url);
  if (!bytes) throw new FetchMlcError(`${url} was not found (404).`);
  return bytes;
}

const json = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

export interface FetchOptions {
  fetch?: Fetch;
  root?: string;
  log?: (line: string) => void;
}

/** Download everything into models/mlc/<id>/; returns the files written. */
export async function fetchMlcModel(
  modelId: string,
  options: FetchOptions = {},
): Promise<string[]> {
  const fetchFn = options.fetch ?? fetch;
  const log = options.log ?? console.log;
  const plan = fetchPlan(modelId, prebuiltAppConfig, options.root);
  const written: string[] = [];
  const save = async (file: string, bytes: Uint8Array) => {
    const path = join(plan.outDir, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written.push(file);
    log(`  ${file} (${(bytes.length / 1e6).toFixed(1)} MB)`);
  };
  const chatBytes = await required(fetchFn, plan.base + 'mlc-chat-config.json');
  // web-llm 0.2.86 reads tensor-cache.json; older model repos call it ndarray-cache.json.
  const cacheBytes =
    (await download(fetchFn, plan.base + 'tensor-cache.json')) ??
    (await required(fetchFn, plan.base + 'ndarray-cache.json'));
  log(`${modelId} -> ${plan.outDir}`);
  await save('mlc-chat-config.json', chatBytes);
  await save('tensor-cache.json', cacheBytes);
  const files = modelFiles(json<MlcChatConfig>(chatBytes), json<TensorCache>(cacheBytes));
  for (const file of files.slice(2)) await save(file, await required(fetchFn, plan.base + file));
  // The chat template the engine renders prompts with; optional, as for base models.
  const templateConfig = await download(fetchFn, plan.base + 'tokenizer_config.json');
  if (templateConfig) await save('tokenizer_config.json', templateConfig);
  await save(plan.libFile, await required(fetchFn, plan.libUrl));
  // Weights do not belong in git.
  await writeFile(join(plan.outDir, '..', '.gitignore'), '*\n!.gitignore\n');
  return written;
}

async function main(): Promise<void> {
  const modelId = process.argv[2];
  if (!modelId) {
    console.error(
      'usage: npm run models:fetch -- <model-id>   e.g. SmolLM2-360M-Instruct-q4f32_1-MLC',
    );
    process.exit(2);
  }
  try {
    await fetchMlcModel(modelId);
  } catch (error) {
    console.error(error instanceof FetchMlcError ? error.message : error);
    process.exit(1);
  }
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) await main();
