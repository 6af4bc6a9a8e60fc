// A LabelPath whose model lives in a worker process (real-worker.ts): the driver's run.ts times
// it exactly as it times an in-page path, interleaved with the others pair by pair, while each
// worker's memory stays its own.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { EngineStats } from '../../src/lib/engines/onnx/engine.ts';
import type { TokenizerAccess } from '../../src/lib/rlaif/engine.ts';
import type { ProbePair } from '../pages/common.ts';
import type { LabelPath } from '../pages/path.ts';
import type { ConfigName, PairLogprobs } from '../pages/types.ts';
import type { PathName, Reply, Request, WorkerMessage, WorkerPlan } from './real-types.ts';

const WORKER = resolve(import.meta.dirname, 'real-worker.ts');

type Pending = (reply: Reply) => void;
/** Request without its id, one variant at a time. */
type Ask = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export class Worker {
  loadMs = 0;
  ortVersion: string | null = null;
  stats: EngineStats | null = null;
  peakRssBytes = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private exited: string | null = null;

  private constructor(
    readonly path: PathName,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** Start a worker and wait until its model is loaded. */
  static start(plan: WorkerPlan): Promise<Worker> {
    const child = fork(WORKER, [JSON.stringify(plan)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new Worker(plan.path, plan.dir, child);
    return new Promise((resolveReady, reject) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') {
          worker.loadMs = message.loadMs;
          worker.ortVersion = message.ortVersion;
          resolveReady(worker);
        } else if (message.kind === 'fatal') reject(new Error(`${plan.path}: ${message.message}`));
        else worker.pending.get(message.id)?.(message);
      });
      child.on('exit', (code, signal) => {
        worker.exited = `${plan.path} worker exited (${signal ?? `code ${code}`})`;
        reject(new Error(worker.exited));
        const failed = { kind: 'error', message: worker.exited } as const;
        for (const [id, done] of worker.pending) done({ id, ...failed });
      });
    });
  }

  async ask(request: Ask): Promise<PairLogprobs | null> {
    if (this.exited) throw new Error(this.exited);
    const id = this.nextId++;
    const reply = await new Promise<Reply>((done) => {
      this.pending.set(id, done);
      this.child.send({ ...request, id });
    });
    this.pending.delete(id);
    if (reply.kind === 'error') throw new Error(`${this.path}: ${reply.message}`);
    this.stats = reply.stats;
    this.peakRssBytes = reply.peakRssBytes;
    return reply.logprobs;
  }

  stop(): void {
    this.child.kill();
  }
}

/** The worker's path for `config`; `tokenizer` only counts prompt tokens for the report. */
export async function remotePath(
  worker: Worker,
  config: ConfigName,
  tokenizer: TokenizerAccess,
): Promise<LabelPath> {
  await worker.ask({ op: 'config', config });
  return {
    suite: worker.path === 'transformers' ? 'transformers' : 'onnx',
    reuse: worker.path === 'transformers' ? null : worker.path === 'reuse',
    loadMs: worker.loadMs,
    tokenizer,
    async label(pair: ProbePair) {
      const logprobs = await worker.ask({ op: 'label', pair });
      if (!logprobs) throw new Error(`${worker.path}: no log-probs for ${pair.id}`);
      return logprobs;
    },
    prime: async () => {
      await worker.ask({ op: 'prime' });
    },
    stats: () => (worker.stats ? { ...worker.stats } : null),
  };
}
