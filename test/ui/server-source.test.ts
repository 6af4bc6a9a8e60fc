// The Server source's state: tokenizer defaults, the CSP check before any fetch, detection on a
// REAL llama-server, and the API key kept out of every label, load state and share link.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../scripts/csp';
import { DEFAULT_LABELING } from '../../src/lib/rlaif/labeler';
import { loadProbes } from '../../src/lib/rlaif/probes';
import { shareUrl } from '../../src/lib/rlaif/share';
import { LabelerModel } from '../../src/ui/state/labeler-model.svelte';
import {
  defaultTokenizer,
  looksLikeHubId,
  ServerSource,
} from '../../src/ui/state/server-source.svelte';
import { serveFolder, type HttpFolder } from '../support/http-folder';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../support/llama-server';

const PAGE = { url: 'http://127.0.0.1:4173/rlaif-lab/#/label', policy: contentSecurityPolicy() };

describe('ServerSource defaults', () => {
  it('offers the served model as tokenizer only when it is a Hub id', () => {
    expect(looksLikeHubId('Qwen/Qwen3-0.6B')).toBe(true);
    expect(looksLikeHubId('/models/tiny-llama.gguf')).toBe(false);
    expect(looksLikeHubId('llama3.2:1b')).toBe(false);
    expect(defaultTokenizer(' meta-llama/Llama-3.2-1B ')).toBe('meta-llama/Llama-3.2-1B');
    expect(defaultTokenizer('gpt-4o-mini')).toBe('');
  });

  it('follows the model with the tokenizer until the user types one', () => {
    const source = new ServerSource();
    source.pickModel('Qwen/Qwen3-0.6B');
    expect(source.tokenizer).toBe('Qwen/Qwen3-0.6B');
    source.pickModel('Qwen/Qwen3-1.7B');
    expect(source.tokenizer).toBe('Qwen/Qwen3-1.7B');
    source.tokenizer = 'https://models.example.org/qwen/';
    source.pickModel('Qwen/Qwen3-0.6B');
    expect(source.tokenizer).toBe('https://models.example.org/qwen/');
  });

  it('says what is missing before loading', () => {
    const source = new ServerSource();
    expect(source.missing).toMatch(/tokenizer/);
    source.tokenizer = 'Qwen/Qwen3-0.6B';
    expect(source.missing).toBeNull();
    source.baseUrl = ' ';
    expect(source.missing).toMatch(/server URL/);
  });

  it('names a host the page CSP refuses without fetching it', async () => {
    const asked: string[] = [];
    const source = new ServerSource(async (url) => {
      asked.push(url);
      return new Response('{}');
    });
    source.baseUrl = 'http://10.1.2.3:8000/v1/';
    await source.testConnection(PAGE);
    expect(source.test).toMatchObject({ phase: 'error', reason: 'csp' });
    expect(source.test.phase === 'error' && source.test.message).toContain(
      'RLAIF_MODEL_HOSTS=http://10.1.2.3:8000',
    );
    expect(asked).toEqual([]);
  });
});

const binary = llamaServerBinary();
const missing = 'missing' in binary ? binary.missing : null;
const title = missing
  ? `ServerSource on a real llama-server (skipped: ${missing})`
  : 'ServerSource on a real llama-server';
const KEY = 'sk-unit-secret-77c1';

describe.skipIf(missing !== null)(title, { timeout: 60_000 }, () => {
  let server: RunningLlamaServer;
  let folder: HttpFolder;
  beforeAll(async () => {
    server = await startLlamaServer({
      slots: 2,
      ctx: 2 * 4096,
      extraArgs: ['-fa', 'off', '--api-key', KEY],
    });
    const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
    folder = await serveFolder(
      Object.fromEntries(files.map((f) => [`/${f}`, readFileSync(`models/tiny-llama/${f}`)])),
    );
  });
  afterAll(async () => {
    await server?.stop();
    await folder?.close();
  });

  it('asks for the key, then detects llama.cpp and lists its model', async () => {
    const source = new ServerSource();
    source.baseUrl = server.baseUrl;
    await source.testConnection(PAGE);
    expect(source.test).toMatchObject({ phase: 'error', reason: 'http' });
    source.apiKey = KEY;
    await source.testConnection(PAGE);
    expect(source.test.phase).toBe('ok');
    expect(source.test.phase === 'ok' && source.test.probe.kind).toBe('llamacpp');
    expect(source.models).toHaveLength(1);
    expect(source.model).toMatch(/tiny-llama\.gguf$/);
    // A file path is no Hub id: the tokenizer is left to the user.
    expect(source.tokenizer).toBe('');
  });

  it('labels through the keyed server and the key is in no label, load state or share link', async () => {
    const source = new ServerSource();
    source.baseUrl = server.baseUrl;
    source.apiKey = KEY;
    source.tokenizer = `${folder.url}/`;
    await source.testConnection(PAGE);
    const model = new LabelerModel();
    await model.loadServer(source.choice());
    expect(model.load).toMatchObject({ phase: 'ready', runtime: 'server' });
    expect(model.batchConcurrency).toBe(4);
    const labeler = model.labeler(DEFAULT_LABELING)!;
    const [pair] = await loadProbes();
    const label = await labeler.label(pair!);
    expect(label.label[0] + label.label[1]).toBeCloseTo(1, 9);
    const everything = JSON.stringify({
      label,
      load: model.load,
      config: labeler.config,
      share: shareUrl(PAGE.url, labeler.config),
    });
    expect(everything).not.toContain(KEY);
    await model.engine?.dispose();
  });
});
