import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FetchMlcError,
  fetchMlcModel,
  fetchPlan,
  modelFiles,
} from '../../../../scripts/models/fetch-mlc';

const ID = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const HUB = `https://huggingface.co/mlc-ai/${ID}/resolve/main/`;
const LIB =
  'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/v0_2_86/base/SmolLM2-360M-Instruct-q4f32_1_cs1k-webgpu.wasm';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A model host in memory: URL -> body; anything else is a 404. */
function host(files: Record<string, string>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    const body = files[url];
    return body === undefined ? new Response('no', { status: 404 }) : new Response(body);
  }) as typeof fetch;
}

describe('models:fetch', () => {
  it('plans the Hub folder, the versioned wasm library and the output folder', () => {
    const plan = fetchPlan(ID, undefined, 'models');
    expect(plan.base).toBe(HUB);
    expect(plan.libUrl).toBe(LIB);
    expect(plan.libFile).toBe('SmolLM2-360M-Instruct-q4f32_1_cs1k-webgpu.wasm');
    expect(plan.outDir).toBe(join('models', 'mlc', ID));
    expect(() => fetchPlan('not-a-model')).toThrow(FetchMlcError);
  });

  it('lists config, tensor manifest, shards and tokenizer files', () => {
    const files = modelFiles(
      { tokenizer_files: ['tokenizer.json', 'tokenizer_config.json'] },
      { records: [{ dataPath: 'params_shard_0.bin' }, { dataPath: 'params_shard_1.bin' }] },
    );
    expect(files).toEqual([
      'mlc-chat-config.json',
      'tensor-cache.json',
      'params_shard_0.bin',
      'params_shard_1.bin',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });

  it('says clearly that it needs the network when offline', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const root = mkdtempSync(join(tmpdir(), 'mlc-'));
    dirs.push(root);
    await expect(fetchMlcModel(ID, { fetch: offline, root, log: () => {} })).rejects.toThrow(
      /Cannot reach huggingface\.co \(fetch failed\)\. This command needs the network/,
    );
    expect(readdirSync(root)).toEqual([]); // nothing half-written
  });

  it('downloads every file into models/mlc/<id>/ (old ndarray-cache.json name accepted)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlc-'));
    dirs.push(root);
    const fetchFn = host({
      [`${HUB}mlc-chat-config.json`]: JSON.stringify({ tokenizer_files: ['tokenizer.json'] }),
      [`${HUB}ndarray-cache.json`]: JSON.stringify({
        records: [{ dataPath: 'params_shard_0.bin' }],
      }),
      [`${HUB}params_shard_0.bin`]: 'weights',
      [`${HUB}tokenizer.json`]: '{}',
      [`${HUB}tokenizer_config.json`]: '{"chat_template":"x"}',
      [LIB]: 'wasm',
    });
    const written = await fetchMlcModel(ID, { fetch: fetchFn, root, log: () => {} });
    expect(written.sort()).toEqual(
      [
        'mlc-chat-config.json',
        'tensor-cache.json',
        'params_shard_0.bin',
        'tokenizer.json',
        'tokenizer_config.json',
        'SmolLM2-360M-Instruct-q4f32_1_cs1k-webgpu.wasm',
      ].sort(),
    );
    const out = join(root, 'mlc', ID);
    expect(readFileSync(join(out, 'params_shard_0.bin'), 'utf8')).toBe('weights');
    expect(readFileSync(join(root, 'mlc', '.gitignore'), 'utf8')).toBe('*\n!.gitignore\n');
  });
});
