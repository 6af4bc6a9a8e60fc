// What a speaker does while talking, as actions the keyboard and the buttons share: step through
// the built-in probes, swap the order the candidates are shown in, turn chain of thought on or off,
// start or pause the batch, and open presenter mode's folded model and settings line.
import type { PreferencePair } from '../../lib/rlaif/types';
import type { RunRecord } from '../../lib/store/schema';
import type { DatasetState } from './dataset.svelte';
import type { LabelSession } from './label-session.svelte';

export class Speaker {
  /** Every built-in probe, all tasks; set once they are parsed. */
  probes: PreferencePair[] = $state.raw([]);
  /** Position in the current task's probes; any integer, wrapped when read. */
  index = $state(0);
  /** Presenter mode folds the model picker and notices into one line; this opens it. */
  settingsOpen = $state(false);

  constructor(private readonly session: LabelSession) {}

  /** The probes of the task the prompt is set to. */
  get taskProbes(): PreferencePair[] {
    return this.probes.filter((p) => p.task === this.session.config.prompt.task);
  }

  /** The probe on show: index wrapped into the task's probes both ways, so "previous" from 0 is the last. */
  get current(): PreferencePair | undefined {
    const n = this.taskProbes.length;
    return n ? this.taskProbes[((this.index % n) + n) % n] : undefined;
  }

  /** Put probe `index` of the current task into the pair and label it. */
  show(index: number): void {
    this.index = index;
    const probe = this.current;
    if (!probe) return;
    this.session.pair = { context: probe.context, candidates: [...probe.candidates] };
    this.session.schedule(0);
  }

  step(delta: 1 | -1): void {
    this.show(this.index + delta);
  }

  /** Show the candidates the other way round: what position debiasing averages over. */
  swapOrder(): void {
    const [a, b] = this.session.pair.candidates;
    this.session.pair.candidates = [b, a];
    this.session.schedule(0);
  }

  toggleCot(): void {
    this.session.config.prompt.cot = !this.session.config.prompt.cot;
    this.session.schedule(0);
  }

  toggleSettings(): void {
    this.settingsOpen = !this.settingsOpen;
  }
}

/** The parts of the Dataset page's state the batch key drives. */
export interface BatchControls {
  readonly phase: DatasetState['phase'];
  readonly run: Pick<RunRecord, 'pairCount' | 'labelledCount'> | null;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
}

/** Start, pause or continue the open run's batch, whichever its button offers now. */
export function toggleBatch(ds: BatchControls): void {
  if (ds.phase === 'running') ds.pause();
  else if (ds.phase === 'paused') ds.resume();
  else if (ds.phase === 'idle' && ds.run && ds.run.labelledCount < ds.run.pairCount)
    void ds.start();
}
