// Progress on stderr: a bar redrawn in place on a terminal (done/total, pairs/s, ETA), plain lines
// otherwise (a log file or CI reads one line per step, at most one per `everyMs`).
import type { BatchProgress } from '../lib/rlaif/batch';

export interface ProgressSink {
  update(progress: BatchProgress): void;
  done(): void;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** "1m 05s", "42s", "?" while there is no rate yet. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = `${String(s % 60).padStart(2, '0')}s`;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${rest}`;
}

export function progressText(p: BatchProgress): string {
  const rate = p.pairsPerSecond > 0 ? `${p.pairsPerSecond.toFixed(2)} pairs/s` : '- pairs/s';
  return `${p.done}/${p.total} pairs, ${rate}, ETA ${formatEta(p.etaSeconds)}`;
}

function bar(p: BatchProgress, width: number): string {
  const filled = p.total ? Math.round((width * p.done) / p.total) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function progressSink(stream: Stream, everyMs = 2000, now = () => Date.now()): ProgressSink {
  if (stream.isTTY) {
    let drawn = false;
    return {
      update(p) {
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
        stream.write(`\r\x1b[2K${bar(p, width)} ${progressText(p)}`);
        drawn = true;
      },
      done() {
        if (drawn) stream.write('\n'); // once: the bar's line is finished
        drawn = false;
      },
    };
  }
  let last = -Infinity;
  let latest: BatchProgress | null = null;
  let printed: BatchProgress | null = null;
  return {
    update(p) {
      latest = p;
      if (now() - last < everyMs && p.done < p.total) return;
      last = now();
      printed = p;
      stream.write(`${progressText(p)}\n`);
    },
    done() {
      if (latest && latest !== printed) stream.write(`${progressText(latest)}\n`);
    },
  };
}
