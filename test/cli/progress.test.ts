import { describe, expect, it } from 'vitest';
import { formatEta, progressSink, progressText } from '../../src/cli/progress';
import type { BatchProgress } from '../../src/lib/rlaif/batch';

const at = (done: number, pairsPerSecond: number, etaSeconds: number): BatchProgress => ({
  done,
  total: 10,
  labelledNow: done,
  pairsPerSecond,
  etaSeconds,
  paused: false,
});

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 80, write: (t: string) => void writes.push(t) };
}

describe('progress', () => {
  it('reads pairs, rate and ETA', () => {
    expect(progressText(at(4, 2, 3))).toBe('4/10 pairs, 2.00 pairs/s, ETA 3s');
    expect(progressText(at(0, 0, NaN))).toBe('0/10 pairs, - pairs/s, ETA ?');
    expect(formatEta(65)).toBe('1m 05s');
    expect(formatEta(7260)).toBe('2h 01m');
  });

  it('redraws one bar in place on a terminal', () => {
    const tty = stream(true);
    const sink = progressSink(tty);
    sink.update(at(5, 1, 5));
    sink.done();
    expect(tty.writes[0]).toBe(
      '\r\x1b[2K[###############...............] 5/10 pairs, 1.00 pairs/s, ETA 5s',
    );
    expect(tty.writes[1]).toBe('\n');
  });

  it('writes plain lines at most every interval elsewhere, and always the last', () => {
    const log = stream(false);
    let now = 0;
    const sink = progressSink(log, 1000, () => now);
    for (let done = 0; done <= 9; done++) {
      now = done * 300;
      sink.update(at(done, 1, 10 - done));
    }
    sink.done();
    expect(log.writes.map((w) => w.split(' ')[0])).toEqual(['0/10', '4/10', '8/10', '9/10']);
    expect(log.writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
  });
});
