// Stop strings while text streams, shared by every engine that generates: where the first stop
// string starts, and how much of the text's end must be held back because a stop string may
// still grow out of it (so a rationale never shows "... Preferred Summary" and then retracts it).

/** Index of the earliest stop string in `text`, or -1 when none has appeared. */
export function firstStop(text: string, stops: readonly string[]): number {
  const found = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return found.length ? Math.min(...found) : -1;
}

/** The longest tail of `text` that could still grow into a stop string: held back while streaming. */
export function heldBack(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > hold; n--) {
      if (text.endsWith(stop.slice(0, n))) hold = n;
    }
  }
  return hold;
}

/**
 * Stream text with the stop strings taken out: shows only what cannot be the start of a stop
 * string, and cuts at the first one that appears (as web-llm's processNextToken would, had it the
 * whole text). Text held back is shown by flush() if the stream ends without a stop.
 */
export class StopScanner {
  private text = '';
  private shown = 0;
  stopped = false;

  constructor(private readonly stops: string[]) {}

  /** Add a delta; returns the newly safe text. */
  push(delta: string): string {
    if (this.stopped) return '';
    this.text += delta;
    const at = firstStop(this.text, this.stops);
    if (at >= 0) {
      this.text = this.text.slice(0, at);
      this.stopped = true;
    }
    const safe = this.stopped
      ? this.text.length
      : this.text.length - heldBack(this.text, this.stops);
    return this.reveal(safe);
  }

  /** The stream ended on its own: what was held back is real text. */
  flush(): string {
    return this.reveal(this.text.length);
  }

  get result(): string {
    return this.text;
  }

  private reveal(upTo: number): string {
    const out = this.text.slice(this.shown, upTo);
    this.shown = Math.max(this.shown, upTo);
    return out;
  }
}
