// State of the Policy page: contexts, candidate sets, rewards, the beta' frontier, REINFORCE
// curves and win rates. Every long job runs through one runner with progress and cancel; the
// math is in src/lib/policy, the engines in their workers.
import {
  betaGrid,
  betaPrime,
  bestOfN,
  directRewards,
  frontier,
  judgeMatchups,
  klOptimum,
  labelerJudge,
  learnerContexts,
  Reinforce,
  sampleCandidates,
  sampleRecords,
  scoreSets,
  scorerRewards,
  sftLogProbs,
  summaryJson,
  toJsonl,
  judgmentRecords,
  winRateTable,
  DEFAULT_REINFORCE,
  DEFAULT_SAMPLING,
  effectiveSampleSize,
  drawChoices,
  type CandidateSet,
  type FrontierPoint,
  type LearnerInput,
  type Matchup,
  type PolicyContext,
  type PolicyUnderTest,
  type RewardSource,
  type SamplingConfig,
  type SetEmbeddings,
  type StepStats,
  type WinRateRow,
} from '../../lib/policy';
import { createRewardWorker, RewardWorker } from '../../lib/reward/worker/client';
import { CancelledError, throwIfAborted } from '../../lib/rlaif/engine';
import { loadProbes } from '../../lib/rlaif/probes';
import type { PreferencePair } from '../../lib/rlaif/types';
import type { Lab } from './lab.svelte';

export type ContextSource = 'probes' | 'run';
/** 'direct' is d-RLAIF; any other value names a reward scorer from the Reward page. */
export type RewardChoice = 'direct' | `rm:${number}`;

export interface Job {
  name: string;
  done: number;
  total: number;
}

const TINY_ENCODER = './models/tiny-encoder/';

/** Let the page paint and take clicks between steps of work done on its thread. */
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class PolicySession {
  source: ContextSource = $state('probes');
  contextCount = $state(6);
  heldOutCount = $state(2);
  sampling: SamplingConfig = $state({ ...DEFAULT_SAMPLING, maxTokens: 32 });
  reward: RewardChoice = $state('direct');
  /** The paper's beta (0.05); the Gibbs temperature of the optimum is beta' = beta / (1 - beta). */
  beta = $state(0.05);
  /** log10 of the frontier slider's beta'. */
  logBetaPrime = $state(Math.log10(betaPrime(0.05)));
  steps = $state(60);
  learningRate = $state(0.02);
  useEncoder = $state(true);

  job: Job | null = $state(null);
  error: string | null = $state(null);
  sets: CandidateSet[] = $state.raw([]);
  rewards: number[][] | null = $state.raw(null);
  curves: StepStats[] = $state.raw([]);
  matchups: Matchup[] = $state.raw([]);
  winRows: WinRateRow[] = $state.raw([]);
  rewardName = $state('');

  private controller: AbortController | null = null;
  private learner: Reinforce | null = null;
  private encoder: RewardWorker | null = null;
  private embeddings: SetEmbeddings[] | null = null;

  constructor(private readonly lab: Lab) {}

  get betaPrimeValue(): number {
    return 10 ** this.logBetaPrime;
  }

  get busy(): boolean {
    return this.job !== null;
  }

  /** Which contexts are held out: the last heldOutCount sets. */
  get heldOutIds(): ReadonlySet<string> {
    // A fresh value each read, never mutated: no reactive Set needed.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    return new Set(this.sets.slice(-this.heldOutCount).map((s) => s.context.id));
  }

  private split(): { train: number[]; held: number[] } {
    const held = this.heldOutIds;
    const idx = this.sets.map((_, i) => i);
    return {
      train: idx.filter((i) => !held.has(this.sets[i]!.context.id)),
      held: idx.filter((i) => held.has(this.sets[i]!.context.id)),
    };
  }

  /** Mean effective sample size of pi_SFT_hat: how far the importance weights are from equal. */
  get meanEss(): number {
    const ess = this.logSft.map(effectiveSampleSize);
    return ess.reduce((a, x) => a + x, 0) / (ess.length || 1);
  }

  get logSft(): number[][] {
    return this.sets.map((s) => sftLogProbs(s.candidates));
  }

  /** The reward-vs-KL frontier over every context, on a log grid of beta'. */
  get frontierPoints(): FrontierPoint[] {
    if (!this.rewards) return [];
    const logSft = this.logSft;
    const sets = this.sets.map((_, i) => ({ logSft: logSft[i]!, rewards: this.rewards![i]! }));
    return frontier(sets, betaGrid(0.01, 100, 41));
  }

  /** The point of the frontier at the slider's beta'. */
  get frontierAtSlider(): FrontierPoint | null {
    if (!this.rewards) return null;
    const logSft = this.logSft;
    const sets = this.sets.map((_, i) => ({ logSft: logSft[i]!, rewards: this.rewards![i]! }));
    return frontier(sets, [this.betaPrimeValue])[0] ?? null;
  }

  async contexts(): Promise<PolicyContext[]> {
    const run = this.lab.currentRun;
    const pairs: PreferencePair[] = this.source === 'run' && run ? run.pairs : await loadProbes();
    const task = this.lab.label.config.prompt.task;
    const chosen = (this.source === 'run' ? pairs : pairs.filter((p) => p.task === task)).slice(
      0,
      this.contextCount,
    );
    return chosen.map((p) => ({
      id: p.id,
      task: p.task,
      context: p.context,
      ...(p.humanChoice !== undefined
        ? { human: { candidates: p.candidates, choice: p.humanChoice } }
        : {}),
    }));
  }

  private rewardSource(): RewardSource {
    if (this.reward === 'direct') {
      const engine = this.requireEngine();
      return directRewards(engine, this.lab.label.config.prompt.format);
    }
    const scorer = this.lab.rewardScorers[Number(this.reward.slice(3))];
    if (!scorer)
      throw new Error('That reward model is gone: train or import one on the Reward page.');
    return scorerRewards(scorer);
  }

  private requireEngine() {
    const engine = this.lab.model.engine;
    if (!engine)
      throw new Error('No model is loaded yet: wait for it, or load one on the Label page.');
    return engine;
  }

  /** Run one job with progress and cancel; errors land in `error`, cancels are quiet. */
  private async runJob(name: string, work: (signal: AbortSignal, job: Job) => Promise<void>) {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.job = { name, done: 0, total: 1 };
    this.error = null;
    try {
      await work(controller.signal, this.job);
    } catch (error) {
      const cancelled =
        error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
      if (!cancelled) this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (this.controller === controller) this.job = null;
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  private progress = (done: number, total: number) => {
    if (this.job) this.job = { ...this.job, done, total };
  };

  sample(): Promise<void> {
    return this.runJob('Sampling candidates', async (signal) => {
      const engine = this.requireEngine();
      const contexts = await this.contexts();
      const config = $state.snapshot(this.sampling) as SamplingConfig;
      if (config.format === 'chat' && !engine.chatTemplate) config.format = 'raw';
      this.sets = await sampleCandidates(engine, contexts, config, {
        signal,
        onProgress: this.progress,
      });
      this.rewards = null;
      this.embeddings = null;
      this.clearLearned();
    });
  }

  private clearLearned(): void {
    this.curves = [];
    this.matchups = [];
    this.winRows = [];
    this.learner = null;
  }

  scoreRewards(): Promise<void> {
    return this.runJob('Scoring rewards', async (signal) => {
      const source = this.rewardSource();
      this.rewards = await scoreSets(this.sets, source, { signal, onProgress: this.progress });
      this.rewardName = source.name;
      this.clearLearned();
    });
  }

  /** Encoder embeddings of every context and candidate (the tiny encoder, in its worker). */
  private async embedAll(signal: AbortSignal): Promise<SetEmbeddings[] | null> {
    if (!this.useEncoder) return null;
    if (this.embeddings) return this.embeddings;
    this.encoder ??= await RewardWorker.start(createRewardWorker(), {
      encoder: TINY_ENCODER,
      ep: 'wasm',
      signal,
    });
    const texts = this.sets.flatMap((s) => [s.context.context, ...s.candidates.map((c) => c.text)]);
    const vectors = await this.encoder.embed(texts, { signal, onProgress: this.progress });
    let at = 0;
    const next = () => Array.from(vectors[at++]!);
    this.embeddings = this.sets.map((s) => ({
      context: next(),
      candidates: s.candidates.map(() => next()),
    }));
    return this.embeddings;
  }

  train(): Promise<void> {
    return this.runJob('Training REINFORCE', async (signal, job) => {
      const rewards = this.rewards;
      if (!rewards) throw new Error('Score the candidates first.');
      job.name = 'Embedding candidates';
      const embeddings = await this.embedAll(signal);
      const input = (i: number): LearnerInput => ({
        set: this.sets[i]!,
        rewards: rewards[i]!,
        ...(embeddings ? { embeddings: embeddings[i]! } : {}),
      });
      const { train, held } = this.split();
      const contexts = learnerContexts(train.map(input), held.map(input));
      const learner = new Reinforce(
        contexts.train,
        {
          ...DEFAULT_REINFORCE,
          beta: this.beta,
          learningRate: this.learningRate,
          seed: this.sampling.seed,
        },
        contexts.heldOut,
      );
      this.learner = null;
      this.curves = [];
      const curves: StepStats[] = [];
      for (let t = 0; t < this.steps; t++) {
        throwIfAborted(signal, 'Training');
        curves.push(learner.step());
        this.curves = [...curves];
        this.job = { name: 'Training REINFORCE', done: t + 1, total: this.steps };
        await nextFrame(); // one small step, then let the page breathe
      }
      this.learner = learner;
      this.heldOutContexts = contexts.heldOut;
    });
  }

  private heldOutContexts: ReturnType<typeof learnerContexts>['heldOut'] = [];

  /** The policies judged on held-out contexts, as log pi over each held-out set. */
  private policies(): PolicyUnderTest[] {
    const rewards = this.rewards!;
    const { held } = this.split();
    const logSft = this.logSft;
    const bPrime = this.betaPrimeValue;
    const oneHot = (n: number, k: number) =>
      Array.from({ length: n }, (_, i) => (i === k ? 0 : -Infinity));
    const list: PolicyUnderTest[] = [
      {
        name: `Best-of-${this.sampling.n}`,
        logProbs: held.map((i) => oneHot(rewards[i]!.length, bestOfN(rewards[i]!, logSft[i]!))),
      },
      {
        name: `KL optimum (β'=${bPrime.toPrecision(2)})`,
        logProbs: held.map((i) => klOptimum(logSft[i]!, rewards[i]!, bPrime)),
      },
    ];
    if (this.learner && this.heldOutContexts.length === held.length) {
      const learner = this.learner;
      list.push({
        name: 'REINFORCE',
        logProbs: this.heldOutContexts.map((c) => learner.logProbs(c)),
      });
    }
    return list;
  }

  evaluate(): Promise<void> {
    return this.runJob('Judging on held-out contexts', async (signal) => {
      if (!this.rewards) throw new Error('Score the candidates first.');
      const config = this.lab.label.snapshot();
      const labeler = this.lab.model.labeler({
        ...config,
        debias: true,
        prompt: { ...config.prompt, cot: false },
      });
      if (!labeler) throw new Error('No model is loaded yet.');
      const { held } = this.split();
      const heldSets = held.map((i) => this.sets[i]!);
      const sft = { name: 'SFT', logProbs: held.map((i) => this.logSft[i]!) };
      const sftChoices = drawChoices(sft, this.sampling.seed);
      this.matchups = await judgeMatchups(
        heldSets,
        this.policies(),
        sftChoices,
        labelerJudge(labeler),
        this.sampling.seed,
        { signal, onProgress: this.progress },
      );
      this.winRows = winRateTable(this.matchups);
    });
  }

  /** Sample, score, train and judge in one go. */
  async runAll(): Promise<void> {
    await this.sample();
    if (this.error || !this.sets.length) return;
    await this.scoreRewards();
    if (this.error || !this.rewards) return;
    await this.train();
    if (this.error || !this.learner) return;
    await this.evaluate();
  }

  samplesJsonl(): string {
    return toJsonl(sampleRecords(this.sets, this.rewards, this.logSft, this.heldOutIds));
  }

  judgmentsJsonl(): string {
    return toJsonl(judgmentRecords(this.matchups));
  }

  summary(): string {
    return summaryJson({
      settings: {
        source: this.source,
        sampling: $state.snapshot(this.sampling),
        reward: this.rewardName,
        beta: this.beta,
        betaPrime: this.betaPrimeValue,
        steps: this.steps,
        learningRate: this.learningRate,
        encoderFeatures: this.useEncoder,
        modelId: this.lab.model.engine?.modelId ?? null,
      },
      frontier: this.frontierPoints,
      curves: this.curves,
      winRates: this.winRows,
    });
  }

  async dispose(): Promise<void> {
    this.cancel();
    await this.encoder?.dispose();
    this.encoder = null;
  }
}

const sessions = new WeakMap<Lab, PolicySession>();

/** The Policy page's session, kept across visits to the page (one per Lab). */
export function policySession(lab: Lab): PolicySession {
  let session = sessions.get(lab);
  if (!session) sessions.set(lab, (session = new PolicySession(lab)));
  return session;
}
