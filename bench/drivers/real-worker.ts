// A worker of `npm run bench:label:real`: one labeling path (OnnxEngine with or without prefix
// reuse, or transformers.js) on one model folder, on onnxruntime-web's WASM EP in Node, in a
// process of its own so that its peak memory (the RSS high-water mark) is its own. The driver
// (label-real.ts) sends requests over IPC and times them; see real-types.ts.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { OnnxEngine } from '../../src/lib/engines/onnx/engine.ts';
import { loadModelFolder } from '../../src/lib/engines/onnx/model-files.ts';
import { fileFetch } from '../../test/support/file-fetch.ts';
import { CONFIGS, errorMessage, loadExemplars, timed } from '../pages/common.ts';
import { onnxPath, type LabelPath } from '../pages/path.ts';
import type { Peer } from '../pages/transformers-path.ts';
import type { ConfigName } from '../pages/types.ts';
import type { Reply, Request, WorkerMessage, WorkerPlan } from './real-types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BASE = 'http://bench.local/';
const readRepoFile = (path: string) => readFile(join(ROOT, path), 'utf8');

/** Builds the path for a prompt config; the model behind it is loaded once. */
type PathFactory = (config: ConfigName) => Promise<LabelPath>;

async function engineFactory(plan: WorkerPlan): Promise<PathFactory> {
  const reuse = plan.path === 'reuse';
  const files = await loadModelFolder(BASE, 'fp32', {
    fetch: fileFetch(BASE, plan.dir),
    cache: null,
  });
  const modelId = basename(plan.dir);
  const engine = await OnnxEngine.create({ ort, ep: 'wasm', modelId, files, reusePrefix: reuse });
  const exemplars = await loadExemplars(readRepoFile);
  return async (config) => onnxPath(engine, 0, CONFIGS[config], exemplars, reuse);
}

/**
 * transformers.js on this same onnxruntime-web instance, through its hook for a host runtime:
 * in Node it would otherwise use onnxruntime-node, and the bench would compare runtimes, not
 * methods. Its own modules load only after the hook is set.
 */
async function transformersFactory(plan: WorkerPlan): Promise<PathFactory> {
  (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
  const hf = await import('@huggingface/transformers');
  const { accessOf, peerPath } = await import('../pages/transformers-path.ts');
  hf.env.allowRemoteModels = false;
  hf.env.allowLocalModels = true;
  hf.env.localModelPath = `${dirname(plan.dir)}/`;
  hf.env.useFSCache = false;
  const id = basename(plan.dir);
  const tokenizer = await hf.AutoTokenizer.from_pretrained(id);
  const model = await hf.AutoModelForCausalLM.from_pretrained(id, {
    dtype: 'fp32',
    // With a host runtime transformers.js lists no devices of its own; an empty device for the
    // graph leaves the execution providers to session_options instead of refusing.
    device: { model: '' } as unknown as 'wasm',
    session_options: { executionProviders: ['wasm'] },
  });
  const runtime = { version: ort.env.versions.web ?? null, numThreads: plan.threads };
  const peer: Peer = { model, tokenizer: accessOf(tokenizer), loadMs: 0, runtime };
  const exemplars = await loadExemplars(readRepoFile);
  return async (config) => peerPath(peer, CONFIGS[config], exemplars);
}

const send = (message: WorkerMessage) => process.send?.(message);
const peakRss = () => process.resourceUsage().maxRSS * 1024;

async function answer(factory: PathFactory, state: { path: LabelPath | null }, req: Request) {
  if (req.op === 'config') {
    state.path = await factory(req.config);
    return null;
  }
  if (!state.path) throw new Error(`${req.op} before any config`);
  if (req.op === 'prime') {
    await state.path.prime();
    return null;
  }
  return state.path.label(req.pair);
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as WorkerPlan;
  ort.env.wasm.numThreads = plan.threads;
  // Set before transformers.js loads, which would otherwise point it at a CDN.
  ort.env.wasm.wasmPaths = `${resolve(ROOT, 'node_modules/onnxruntime-web/dist')}/`;
  const { value: factory, ms } = await timed(() =>
    plan.path === 'transformers' ? transformersFactory(plan) : engineFactory(plan),
  );
  const state: { path: LabelPath | null } = { path: null };
  // One request at a time: the driver waits for each reply before it sends the next.
  process.on('message', (req: Request) => {
    answer(factory, state, req).then(
      (logprobs) => {
        const stats = state.path?.stats() ?? null;
        send({ id: req.id, kind: 'done', logprobs, stats, peakRssBytes: peakRss() } as Reply);
      },
      (error: unknown) => send({ id: req.id, kind: 'error', message: errorMessage(error) }),
    );
  });
  send({ kind: 'ready', loadMs: ms, ortVersion: ort.env.versions.web ?? null });
}

main().catch((error: unknown) => {
  send({ kind: 'fatal', message: errorMessage(error) });
  process.exit(1);
});
