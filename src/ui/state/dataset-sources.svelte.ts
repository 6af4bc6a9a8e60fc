// The Dataset page's sources: a file, the built-in probes or a Hugging Face split, read and parsed
// into a staged source (pairs and their parse report, not yet a run). One read at a time: a new
// one (or Cancel) aborts the one before.
import { parseDataset } from '../../lib/rlaif/datasets';
import { listHfSplits, loadHfRows, type HfDatasetRef } from '../../lib/rlaif/datasets/hf-rows';
import { loadProbes } from '../../lib/rlaif/probes';
import type { LineError, PreferencePair, Task } from '../../lib/rlaif/types';
import type { RunSource } from '../../lib/store';
import { messageOf } from './dataset-runs.svelte';

/** Pairs read from a source, waiting to become a run. */
export interface StagedSource {
  pairs: PreferencePair[];
  errors: LineError[];
  source: RunSource;
  name: string;
}

export class DatasetSources {
  staged: StagedSource | null = $state.raw(null);
  /** A source being read: what, and how far. */
  loading: { what: string; done: number; total?: number } | null = $state(null);
  sourceError: string | null = $state(null);
  /** The configs and splits the datasets-server lists for the dataset asked about last. */
  hfSplits: HfDatasetRef[] = $state.raw([]);
  hfSplitsError: string | null = $state(null);

  private sourceController: AbortController | null = null;

  async loadProbeSource(): Promise<void> {
    await this.readSource('built-in probes', async () => ({
      pairs: await loadProbes(),
      errors: [],
      source: { kind: 'probes', description: 'Built-in probe set (data/probes)' },
      name: 'Probes',
    }));
  }

  async loadFileSource(file: File): Promise<void> {
    await this.readSource(file.name, async (signal) => {
      const result = await parseDataset(file, {
        signal,
        onProgress: (done, total) => (this.loading = { what: file.name, done, total }),
      });
      const description = `${file.name} (${formatBytes(file.size)})`;
      return { ...result, source: { kind: 'file', description }, name: stem(file.name) };
    });
  }

  async loadHfSource(ref: HfDatasetRef, limit: number, task?: Task): Promise<void> {
    const what = `${ref.dataset} ${ref.config}/${ref.split}`;
    await this.readSource(what, async (signal) => {
      const result = await loadHfRows(ref, {
        limit,
        task,
        signal,
        onProgress: (done, total) => (this.loading = { what, done, total }),
      });
      const read = result.pairs.length + result.errors.length;
      const description = `Hugging Face ${what}, first ${read} rows`;
      return {
        pairs: result.pairs,
        errors: result.errors,
        source: { kind: 'huggingface', description },
        name: ref.dataset.split('/').pop() ?? ref.dataset,
      };
    });
  }

  /** Ask the datasets-server which configs and splits `dataset` has, for the user to pick. */
  async listHfSplits(dataset: string): Promise<void> {
    this.hfSplitsError = null;
    try {
      this.hfSplits = await listHfSplits(dataset);
      if (!this.hfSplits.length) this.hfSplitsError = `${dataset} has no splits the server serves.`;
    } catch (error) {
      this.hfSplits = [];
      this.hfSplitsError = messageOf(error);
    }
  }

  cancelSource(): void {
    this.sourceController?.abort();
  }

  private async readSource(
    what: string,
    read: (signal: AbortSignal) => Promise<StagedSource>,
  ): Promise<void> {
    this.sourceController?.abort();
    const controller = (this.sourceController = new AbortController());
    this.loading = { what, done: 0 };
    this.sourceError = null;
    try {
      const staged = await read(controller.signal);
      if (!controller.signal.aborted) this.staged = staged;
    } catch (error) {
      if (!controller.signal.aborted) this.sourceError = messageOf(error);
    } finally {
      if (this.sourceController === controller) this.loading = null;
    }
  }
}

function stem(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '') || fileName;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
