// The bench page: on one execution provider (the URL's plan), times each prompt config on every
// path (OnnxEngine with and without prefix reuse, the transformers.js peer) and leaves a
// PageResult on window for the driver, bench/drivers/label.ts.
import type { OrtModule } from '../../src/lib/engines/onnx/causal-lm';
import { OnnxEngine } from '../../src/lib/engines/onnx/engine';
import { loadModelFolder, type HfModelFiles } from '../../src/lib/engines/onnx/model-files';
import { loadOrt } from '../../src/lib/engines/onnx/runtime';
import { loadTokenizer } from '../../src/lib/engines/tokenizer';
import type { Exemplar } from '../../src/lib/rlaif/prompt';
import {
  CONFIGS,
  environment,
  errorMessage,
  loadExemplars,
  loadProbes,
  MODEL_FOLDER,
  progress,
  splitPairs,
  timed,
  type ProbePair,
} from './common';
import { onnxPath, type LabelPath } from './path';
import { timeConfig } from './run';
import { longestPrompt } from './tokens';
import { loadPeer, peerPath, type Peer } from './transformers-path';
import {
  CONFIG_NAMES,
  planFromQuery,
  type BenchPlan,
  type BenchWindow,
  type ConfigName,
  type Ep,
  type PageResult,
  type RunFailure,
  type RunResult,
} from './types';

interface Engine {
  engine: OnnxEngine;
  loadMs: number;
  reuse: boolean;
}

interface Setup {
  engines: Engine[];
  peer: Peer | null;
  plan: BenchPlan;
  exemplars: Exemplar[];
  pairs: ReturnType<typeof splitPairs>;
}

/** Pairs whose longest prompt fits the model's positions (config.json's max_position_embeddings). */
function fittingPairs(files: HfModelFiles, probes: ProbePair[], exemplars: Exemplar[]) {
  const tokenizer = loadTokenizer(files.tokenizer, files.tokenizerConfig);
  const limit = files.config.max_position_embeddings;
  const maxPositions = typeof limit === 'number' ? limit : Infinity;
  const configs = Object.values(CONFIGS);
  const fits = (pair: ProbePair) =>
    longestPrompt(tokenizer, configs, exemplars, pair) <= maxPositions;
  return {
    usable: probes.filter(fits),
    skipped: probes.filter((p) => !fits(p)).map((p) => p.id),
    maxPositions,
  };
}

/** One engine per reuse mode for the whole page: shaders compiled for one config serve all. */
async function createEngines(ort: OrtModule, files: HfModelFiles, ep: Ep): Promise<Engine[]> {
  const engines: Engine[] = [];
  for (const reuse of [true, false]) {
    const { value: engine, ms } = await timed(() =>
      OnnxEngine.create({ ort, ep, modelId: 'tiny-llama', files, reusePrefix: reuse }),
    );
    engines.push({ engine, loadMs: ms, reuse });
  }
  return engines;
}

function runConfig(setup: Setup, name: ConfigName, withPeer: boolean) {
  const { engines, peer, plan, exemplars } = setup;
  const config = CONFIGS[name];
  const paths: LabelPath[] = engines.map((e) =>
    onnxPath(e.engine, e.loadMs, config, exemplars, e.reuse),
  );
  if (withPeer && peer) paths.push(peerPath(peer, config, exemplars));
  const pairs = {
    warm: setup.pairs.warm(plan.warmup[name]),
    timed: setup.pairs.timed(plan.pairs[name]),
  };
  return timeConfig(paths, plan.ep, name, config, exemplars, pairs);
}

/** A config's runs; if the peer was in it and it failed, the OnnxEngine paths again alone. */
async function runConfigOrRetry(setup: Setup, name: ConfigName, failures: RunFailure[]) {
  const withPeer = setup.peer !== null && setup.plan.peerConfigs.includes(name);
  const fail = (error: unknown) => {
    progress(`FAILED ${setup.plan.ep} ${name}: ${errorMessage(error)}`);
    failures.push({ suite: 'onnx', ep: setup.plan.ep, config: name, message: errorMessage(error) });
  };
  try {
    return await runConfig(setup, name, withPeer);
  } catch (error) {
    fail(error);
    if (!withPeer) return [];
  }
  progress(`retrying ${setup.plan.ep} ${name} without transformers.js`);
  try {
    return await runConfig(setup, name, false);
  } catch (error) {
    fail(error);
    return [];
  }
}

async function tryLoadPeer(plan: BenchPlan, failures: RunFailure[]): Promise<Peer | null> {
  if (!plan.peerConfigs.length) return null;
  try {
    return await loadPeer(plan.ep);
  } catch (error) {
    progress(`FAILED transformers.js load on ${plan.ep}: ${errorMessage(error)}`);
    failures.push({
      suite: 'transformers',
      ep: plan.ep,
      config: null,
      message: errorMessage(error),
    });
    return null;
  }
}

async function runPage(plan: BenchPlan): Promise<PageResult> {
  const [probes, exemplars] = await Promise.all([loadProbes(), loadExemplars()]);
  const ort = await loadOrt();
  const files = await loadModelFolder(MODEL_FOLDER, 'fp32', { cache: null });
  const { usable, skipped, maxPositions } = fittingPairs(files, probes, exemplars);
  const failures: RunFailure[] = [];
  const peer = await tryLoadPeer(plan, failures);
  const setup: Setup = {
    engines: await createEngines(ort, files, plan.ep),
    peer,
    plan,
    exemplars,
    pairs: splitPairs(usable, Object.values(plan.warmup), Object.values(plan.pairs)),
  };
  const runtimes = {
    onnx: { version: ort.env.versions.web ?? null, numThreads: ort.env.wasm.numThreads ?? null },
    ...(peer ? { transformers: peer.runtime } : {}),
  };
  const env = await environment(runtimes, maxPositions, skipped);
  const runs: RunResult[] = [];
  for (const name of CONFIG_NAMES) runs.push(...(await runConfigOrRetry(setup, name, failures)));
  for (const { engine } of setup.engines) await engine.dispose();
  await peer?.model.dispose();
  return { plan, environment: env, runs, failures };
}

const out = document.getElementById('out');
const target = window as Window & BenchWindow;
const plan = planFromQuery(location.search);
progress(`plan ${JSON.stringify(plan)}`);
runPage(plan).then(
  (result) => {
    if (out) out.textContent = JSON.stringify(result, null, 2);
    target.__benchResult = result;
  },
  (error: unknown) => {
    if (out) out.textContent = errorMessage(error);
    target.__benchError = errorMessage(error);
  },
);
