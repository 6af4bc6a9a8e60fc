// Labeling a whole dataset: one pair at a time, each label handed to a sink (which persists it)
// before the next pair starts, so a reload, a crash or a lost GPU costs at most the pair in flight.
// Pairs sharing a context are labelled back to back (context-groups.ts) so its KV cache is reused.
// Pairs already labelled are skipped, which is all "resume" needs. Pause waits between pairs;
// cancel goes through an AbortSignal and also stops the pair in flight.
//
// Error policy: an engine error on one pair stops the run with a BatchLabelError naming the pair.
// Labels made before it were already saved by the sink. We stop rather than skip because engine
// errors are rarely about one pair (a lost GPU device, a worker crash, an out-of-memory) and
// ploughing on would turn every remaining pair into the same error; resuming retries that pair.

import { contextKey, groupByKey } from './context-groups';
import { CancelledError, throwIfAborted } from './engine';
import type { Labeler } from './labeler';
import type { PairLabel, PreferencePair } from './types';

/** What the progress bar shows. `done` counts pairs labelled before this run started too. */
export interface BatchProgress {
  done: number;
  total: number;
  /** Labels made by this run (not the skipped ones). */
  labelledNow: number;
  /** Labels per second of active (unpaused) time in this run; 0 before the first label. */
  pairsPerSecond: number;
  /** Seconds left at that rate; NaN until there is a rate, 0 when nothing is left. */
  etaSeconds: number;
  paused: boolean;
}

/** The engine failed on one pair; the labels before it are saved. */
export class BatchLabelError extends Error {
  constructor(
    readonly pairId: string,
    /** 0-based position of the pair in the run. */
    readonly index: number,
    cause: unknown,
  ) {
    super(`Labeling stopped at pair ${index + 1} ("${pairId}"): ${messageOf(cause)}`, { cause });
    this.name = 'BatchLabelError';
  }
}

/** The sink could not save a label (storage full, database closed); the run stops there. */
export class BatchSaveError extends Error {
  constructor(
    readonly pairId: string,
    cause: unknown,
  ) {
    super(`Could not save the label of pair "${pairId}": ${messageOf(cause)}`, { cause });
    this.name = 'BatchSaveError';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Pause between pairs. `wait` resolves at once when running, or when `resume` is called; it
 * rejects with CancelledError if the signal aborts while paused.
 */
export class PauseGate {
  private waiters: (() => void)[] = [];
  private paused_ = false;

  get paused(): boolean {
    return this.paused_;
  }

  pause(): void {
    this.paused_ = true;
  }

  resume(): void {
    this.paused_ = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (!this.paused_) return Promise.resolve();
    throwIfAborted(signal, 'Labeling');
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new CancelledError('Labeling'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

export interface BatchOptions {
  labeler: Pick<Labeler, 'label'>;
  /** The run's pairs in order. */
  pairs: readonly PreferencePair[];
  /** Ids of pairs that already have a label: skipped. */
  labelled: ReadonlySet<string>;
  /** Called with each label as soon as it is made; awaited before the next pair starts. */
  onLabel: (label: PairLabel, index: number) => void | Promise<void>;
  onProgress?: (progress: BatchProgress) => void;
  /** Aborting cancels: runBatch rejects with CancelledError, saved labels stay saved. */
  signal?: AbortSignal;
  pause?: PauseGate;
  /** Milliseconds clock; injectable so tests can check the rate and ETA exactly. */
  now?: () => number;
  /** Label pairs sharing a context back to back (default true); false keeps file order. */
  groupContexts?: boolean;
  /**
   * Pairs labelled at once (default 1). Above 1 only a server engine gains: its requests overlap
   * and the server batches them. Labels are still saved one at a time, as each pair finishes.
   */
  concurrency?: number;
}

export interface BatchResult {
  /** Labels made by this run. */
  labelled: number;
  /** Pairs skipped because they already had a label. */
  skipped: number;
}

/** Rate over active time and the ETA it implies; pure, so the UI and tests agree on the math. */
export function rateAndEta(
  labelledNow: number,
  activeMs: number,
  remaining: number,
): { pairsPerSecond: number; etaSeconds: number } {
  if (remaining <= 0) return { pairsPerSecond: rate(labelledNow, activeMs), etaSeconds: 0 };
  const pairsPerSecond = rate(labelledNow, activeMs);
  return { pairsPerSecond, etaSeconds: pairsPerSecond > 0 ? remaining / pairsPerSecond : NaN };
}

function rate(count: number, ms: number): number {
  return count > 0 && ms > 0 ? count / (ms / 1000) : 0;
}

/**
 * Label every pair not yet labelled: in order, except that pairs sharing a context are taken
 * together (unless groupContexts is false). Rejects with CancelledError on abort.
 */
export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const { labeler, pairs, labelled, onLabel, onProgress, signal, pause } = options;
  const now = options.now ?? (() => performance.now());
  const pending = pairs
    .map((pair, index) => ({ pair, index }))
    .filter((t) => !labelled.has(t.pair.id));
  const todo =
    (options.groupContexts ?? true) ? groupByKey(pending, (t) => contextKey(t.pair)) : pending;
  const skipped = pairs.length - todo.length;
  const clock = activeClock(now);
  let labelledNow = 0;

  const report = () =>
    onProgress?.({
      done: skipped + labelledNow,
      total: pairs.length,
      labelledNow,
      ...rateAndEta(labelledNow, clock.activeMs(), todo.length - labelledNow),
      paused: pause?.paused ?? false,
    });

  report();
  // Workers take lanes in order: a lane is up to LANE pairs sharing a context, labelled one after
  // another by one worker, so the server sees that context again right after it computed it (a
  // per-slot cache, as llama.cpp's, keeps it) while other workers label other contexts. A failed
  // pair stops new ones from starting while the others in flight finish and are saved.
  const lanes = lanesOf(todo, options.groupContexts ?? true);
  let next = 0;
  let failure: unknown = null;
  let saving = Promise.resolve();
  const worker = async () => {
    while (next < lanes.length && failure === null) {
      for (const { pair, index } of lanes[next++]!) {
        if (failure !== null) return;
        throwIfAborted(signal, 'Labeling');
        if (pause?.paused) {
          clock.stop(); // paused time is not labeling time: it must not drag the rate down
          await pause.wait(signal);
          clock.start();
        }
        let label: PairLabel;
        try {
          label = await labelOne(labeler, pair, index, signal);
        } catch (error) {
          failure ??= error;
          return;
        }
        // One save at a time, in the order pairs finish.
        const saved = saving.then(() => onLabel(label, index));
        saving = saved.catch(() => undefined);
        try {
          await saved;
        } catch (error) {
          failure ??= new BatchSaveError(pair.id, error);
          return;
        }
        labelledNow += 1;
        report();
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, lanes.length));
  const results = await Promise.allSettled(Array.from({ length: workers }, worker));
  if (failure !== null) throw failure;
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return { labelled: labelledNow, skipped };
}

/** Most pairs of one context a lane holds, so one big shared context still spreads over workers. */
const LANE = 8;

/** Consecutive pairs of one context (after grouping), cut into lanes of at most LANE. */
function lanesOf<T extends { pair: PreferencePair }>(todo: T[], grouped: boolean): T[][] {
  const lanes: T[][] = [];
  for (const item of todo) {
    const last = lanes.at(-1);
    const same = last && contextKey(last[0]!.pair) === contextKey(item.pair);
    if (grouped && same && last.length < LANE) last.push(item);
    else lanes.push([item]);
  }
  return lanes;
}

async function labelOne(
  labeler: Pick<Labeler, 'label'>,
  pair: PreferencePair,
  index: number,
  signal: AbortSignal | undefined,
): Promise<PairLabel> {
  try {
    return await labeler.label(pair, { signal });
  } catch (error) {
    // A cancel is not a failure of the pair; it must reach the caller as what it is.
    if (error instanceof CancelledError || signal?.aborted) throw new CancelledError('Labeling');
    throw new BatchLabelError(pair.id, index, error);
  }
}

/** A stopwatch that only counts while running. */
function activeClock(now: () => number) {
  let total = 0;
  let since: number | null = now();
  return {
    stop() {
      if (since !== null) total += now() - since;
      since = null;
    },
    start() {
      since ??= now();
    },
    activeMs() {
      return total + (since === null ? 0 : now() - since);
    },
  };
}
