// A bounded map from text to its embedding: each text is embedded once, and a long session of
// relabeling cannot grow memory without limit (the least recently used entry goes first).

export class EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(readonly capacity = 20_000) {
    if (!(capacity >= 1)) throw new RangeError(`cache capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(text: string): Float32Array | undefined {
    const value = this.entries.get(text);
    if (value) {
      // A Map iterates in insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(text);
      this.entries.set(text, value);
    }
    return value;
  }

  set(text: string, value: Float32Array): void {
    this.entries.delete(text);
    this.entries.set(text, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
