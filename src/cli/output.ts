// The resumable labels file (--out): append-only JSONL in the app's labels export format, one
// line per label, written and fsynced as each label is made. A line counts only once its "\n" is
// on disk, so a kill -9 mid-write leaves at most a torn last line: found on the next open,
// reported, cut off, and that pair labelled again. Nothing is ever rewritten but that tail.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { exportLabelsJsonl } from '../lib/rlaif/datasets/export';
import { parseLabelsJsonl } from '../lib/rlaif/datasets/labels';
import type { PairLabel } from '../lib/rlaif/types';

/** The labels file holds a line that is not a label, before its last line: not ours to fix. */
export class LabelsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelsFileError';
  }
}

export interface OpenedLabels {
  /** Every label already in the file, in file order. */
  labels: PairLabel[];
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  tornBytes: number;
}

/** Read what the file holds and cut off a torn last line (one without its "\n"). */
export function recoverLabels(path: string): OpenedLabels {
  if (!existsSync(path)) return { labels: [], tornBytes: 0 };
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1; // everything after the last "\n" is torn
  const tornBytes = bytes.length - end;
  if (tornBytes > 0) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, end);
    fsyncSync(fd);
    closeSync(fd);
  }
  const { labels, errors } = parseLabelsJsonl(bytes.subarray(0, end).toString('utf8'));
  if (errors.length) {
    const first = errors[0]!;
    throw new LabelsFileError(
      `${path} line ${first.line} is not a label (${first.reason}); ${errors.length} such line(s). ` +
        'Fix or move the file, or write to another --out.',
    );
  }
  return { labels, tornBytes };
}

/** Appends labels one line at a time; `sync` fsyncs after every line (the default). */
export class LabelsWriter {
  private readonly fd: number;
  private pending = 0;

  constructor(
    path: string,
    /** fsync after this many lines; 1 = every label is on disk before the next pair starts. */
    private readonly syncEvery = 1,
  ) {
    this.fd = openSync(path, 'a');
  }

  append(label: PairLabel): void {
    // One write of the whole line: a kill can tear it, never interleave or reorder it.
    const line = Buffer.from(exportLabelsJsonl([label]), 'utf8');
    for (let at = 0; at < line.length;) at += writeSync(this.fd, line, at);
    if (++this.pending >= this.syncEvery) this.sync();
  }

  sync(): void {
    if (this.pending === 0) return;
    fsyncSync(this.fd);
    this.pending = 0;
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
  }
}

/** The labels of this model and config already in the file, for the run's pairs. */
export function resumeFrom(
  path: string,
  run: { modelId: string; configHash: string; pairIds: readonly string[] },
  warn: (line: string) => void,
): PairLabel[] {
  const opened = recoverLabels(path);
  if (opened.tornBytes) {
    warn(
      `${path}: dropped a torn last line (${opened.tornBytes} bytes, from a killed run); ` +
        'that pair is labelled again.',
    );
  }
  const mine = opened.labels.filter(
    (l) => l.modelId === run.modelId && l.configHash === run.configHash,
  );
  const others = opened.labels.length - mine.length;
  if (others) warn(`${path}: ${others} labels of other models or settings are kept and ignored.`);
  const inRun = new Set(run.pairIds);
  return mine.filter((l) => inRun.has(l.pairId));
}

/** Another live process holds the output's lock: two writers would label pairs twice. */
export class OutputLockedError extends Error {
  constructor(path: string, pid: number) {
    super(
      `${path} is being written by another rlaif-lab run (pid ${pid}). Wait for it, or use ` +
        `another --out. If no such process exists, delete ${path}.lock.`,
    );
    this.name = 'OutputLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Take `<path>.lock` for this process; a lock left by a dead process (kill -9) is taken over.
 * Returns the release function.
 */
export function lockOutput(path: string): () => void {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new OutputLockedError(path, pid);
      rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new OutputLockedError(path, Number(readFileSync(lock, 'utf8')));
}
