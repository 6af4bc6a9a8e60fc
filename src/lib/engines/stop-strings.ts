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
