// Reading a labels JSONL (the Dataset page's export, or the CLI's --out) for the open run, and the
// one-line report of what was kept and left out. Plain TypeScript; saving is the caller's.
import { labelsForRun } from '../../lib/rlaif/datasets/labels';
import type { PairLabel, PreferencePair } from '../../lib/rlaif/types';

export interface LabelsImport {
  /** The labels of the run's pairs made under its prompt configuration. */
  accepted: PairLabel[];
  /** What the import kept and left out, for the page. */
  report: string;
}

/** The labels in `file` that belong to a run of `pairs` labelled under `configHash`. */
export async function readLabelsImport(
  file: Blob,
  pairs: readonly PreferencePair[],
  configHash: string,
): Promise<LabelsImport> {
  const found = labelsForRun(await file.text(), { pairIds: pairs.map((p) => p.id), configHash });
  return { accepted: found.accepted, report: importReportOf(found, configHash) };
}

function importReportOf(found: ReturnType<typeof labelsForRun>, configHash: string): string {
  const parts = [`Imported ${found.accepted.length} labels.`];
  if (found.otherConfig) {
    parts.push(
      `${found.otherConfig} were made with other settings than this run's (config ${configHash}) and were left out.`,
    );
  }
  if (found.unknownPair) parts.push(`${found.unknownPair} are for pairs this run does not have.`);
  if (found.errors.length) {
    const lines = found.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.reason}`);
    parts.push(`${found.errors.length} bad lines skipped (${lines.join('; ')}).`);
  }
  return parts.join(' ');
}
