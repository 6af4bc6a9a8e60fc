// What `npm run bench:label:real`'s driver and its worker processes exchange over Node's IPC
// channel: the worker holds one labeling path (its model loaded once) and answers one request at
// a time, so the driver can interleave paths pair by pair while each keeps its own memory.
import type { ProbePair } from '../pages/common.ts';
import type { EngineStats } from '../../src/lib/engines/onnx/engine.ts';
import type { ConfigName, PairLogprobs } from '../pages/types.ts';

export type PathName = 'reuse' | 'no-reuse' | 'transformers';
export const PATH_NAMES: PathName[] = ['reuse', 'no-reuse', 'transformers'];

/** argv[2] of a worker, as JSON. */
export interface WorkerPlan {
  dir: string;
  path: PathName;
  threads: number;
}

export type Request =
  | { id: number; op: 'config'; config: ConfigName }
  | { id: number; op: 'prime' }
  | { id: number; op: 'label'; pair: ProbePair };

export interface Ready {
  kind: 'ready';
  /** Reading the folder and creating the session(s), in ms. */
  loadMs: number;
  ortVersion: string | null;
}

export type Reply = { id: number } & (
  | {
      kind: 'done';
      logprobs: PairLogprobs | null;
      stats: EngineStats | null;
      /** process.resourceUsage().maxRSS so far, in bytes: the high-water mark of the process. */
      peakRssBytes: number;
    }
  | { kind: 'error'; message: string }
);

export type WorkerMessage = Ready | Reply | { kind: 'fatal'; message: string };
