// The saved runs behind the Dataset page: the IndexedDB run store, the list of runs (with the
// reward models the Reward page saved for them), the one store error the page shows, and which run
// was open, so a reload lands back on it. Every store call goes through `guard`: a failure is
// shown, never thrown at the page.
import { RunStore, type RewardSlot, type RunRecord } from '../../lib/store';

const LAST_RUN_KEY = 'rlaif-lab:last-run';

export class RunLibrary {
  runs: RunRecord[] = $state.raw([]);
  /** The slots each saved run has a reward model in (the Reward page saves them), by run id. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never mutated
  rewardModels: ReadonlyMap<string, readonly RewardSlot[]> = $state.raw(new Map());
  storeError: string | null = $state(null);

  private store: RunStore | null = null;

  /**
   * Open the store and list the runs; true when this call opened it and listed them (the caller
   * may then reopen the last run), false when it was open already or a step failed.
   */
  async open(): Promise<boolean> {
    if (this.store) return false;
    try {
      this.store = await RunStore.open();
      await this.refreshRuns();
      return true;
    } catch (error) {
      this.storeError = messageOf(error);
      return false;
    }
  }

  requireStore(): RunStore {
    if (!this.store) throw new Error('Local storage is not open (IndexedDB unavailable?).');
    return this.store;
  }

  async refreshRuns(): Promise<void> {
    const store = this.requireStore();
    const [runs, rewardModels] = await Promise.all([store.listRuns(), store.rewardModelSlots()]);
    this.runs = runs;
    this.rewardModels = rewardModels;
  }

  /**
   * Re-read which runs have saved reward models (the Reward page calls this after a save).
   * Before the page has opened the store there is nothing to refresh: open reads them anyway.
   */
  async refreshRewardModels(): Promise<void> {
    if (!this.store) return;
    try {
      this.rewardModels = await this.store.rewardModelSlots();
    } catch (error) {
      this.storeError = messageOf(error);
    }
  }

  /** Run something against the store; a failure is shown, never thrown at the page. */
  async guard(body: () => Promise<void>): Promise<void> {
    this.storeError = null;
    try {
      await body();
    } catch (error) {
      this.storeError = messageOf(error);
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The last open run, so a reload lands back on it. localStorage can throw (privacy settings).
export function readLastRun(): string | null {
  try {
    return localStorage.getItem(LAST_RUN_KEY);
  } catch {
    return null;
  }
}

export function writeLastRun(runId: string | null): void {
  try {
    if (runId) localStorage.setItem(LAST_RUN_KEY, runId);
    else localStorage.removeItem(LAST_RUN_KEY);
  } catch {
    // Not remembering the last run is harmless.
  }
}
