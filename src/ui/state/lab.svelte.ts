// The app's state, one object shared by every page through Svelte context: the GPU, the labeler
// model and the Label page's session. Pages keep their own state in their own modules and reach
// the shared parts through here, so a model loaded on one page serves them all.
import { getContext, setContext } from 'svelte';
import type { GpuStatus } from '../../lib/gpu/webgpu';
import type { ScoreItem } from '../../lib/reward/worker/protocol';
import type { LabelingConfig } from '../../lib/rlaif/labeler';
import type { PairLabel, PreferencePair } from '../../lib/rlaif/types';
import { LabelSession } from './label-session.svelte';
import { autoProvider, EMBEDDED_MODEL, LabelerModel } from './labeler-model.svelte';
import { Speaker } from './speaker.svelte';

/** The dataset run the Dataset page has open, as the other pages read it. */
export interface RunView {
  id: string;
  name: string;
  pairs: PreferencePair[];
  /** AI labels made so far, in the order they were made (PairLabel.pairId names the pair). */
  labels: PairLabel[];
  modelId: string;
  config: LabelingConfig;
}

/** A trained reward model other pages can score with (the Label and Policy pages). */
export interface RewardScorer {
  /** Shown to the user, e.g. "RM trained on AI labels". */
  name: string;
  labels: 'ai' | 'human';
  /** r(x, y) per item. */
  score(items: readonly ScoreItem[]): Promise<number[]>;
}

export class Lab {
  gpu: GpuStatus | null = $state(null);
  readonly model = new LabelerModel();
  readonly label = new LabelSession(this.model);
  /** The probes on show and the keys a speaker presses while talking. */
  readonly speaker = new Speaker(this.label);
  /** Set by the Dataset page (a new object on every change); null until a run is opened. */
  currentRun: RunView | null = $state.raw(null);
  /** Set by the Reward page once a model is trained or imported; replaced on each new one. */
  rewardScorers: RewardScorer[] = $state.raw([]);

  get hasWebGpu(): boolean {
    return this.gpu?.kind === 'webgpu';
  }

  get shaderF16(): boolean {
    return this.gpu?.kind === 'webgpu' && this.gpu.shaderF16;
  }

  /** Load the embedded model: what the app starts on, offline. */
  loadEmbedded(): Promise<void> {
    return this.model.loadOnnx({
      source: EMBEDDED_MODEL,
      variant: 'fp32',
      ep: autoProvider(true, this.hasWebGpu),
      shaderF16: false,
    });
  }
}

const KEY = Symbol('rlaif-lab');

export function provideLab(lab: Lab): Lab {
  return setContext(KEY, lab);
}

/** The app's Lab, from inside any component under App. */
export function useLab(): Lab {
  const lab = getContext<Lab | undefined>(KEY);
  if (!lab) throw new Error('useLab() called outside the app: App.svelte provides the Lab.');
  return lab;
}
