// The picker's question "which variants does this model have?", asked as the user types: the
// last answer wins, earlier lookups are aborted, and a failure says why (the load can still try).
import { listVariants, type VariantListing } from '../../lib/engines/onnx/variant-probe';

export type LookupState =
  | { phase: 'idle' }
  | { phase: 'listing'; source: string }
  | { phase: 'listed'; source: string; listing: VariantListing }
  | { phase: 'error'; source: string; message: string };

/** Where each answer came from, in words. */
export const LISTING_SOURCE: Record<VariantListing['source'], string> = {
  'hub-api': 'as listed by the Hugging Face Hub',
  folder: 'as the folder serves them',
  cache: 'offline: from the copies cached in this browser',
};

export class VariantLookup {
  state: LookupState = $state({ phase: 'idle' });
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly list: typeof listVariants = listVariants) {}

  /** Look `source` up after `delayMs` of quiet (typing), replacing any lookup in flight. */
  lookup(source: string, delayMs = 400): void {
    this.cancel();
    const trimmed = source.trim();
    if (!trimmed) return void (this.state = { phase: 'idle' });
    const controller = (this.controller = new AbortController());
    this.state = { phase: 'listing', source: trimmed };
    this.timer = setTimeout(() => void this.run(trimmed, controller), delayMs);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async run(source: string, controller: AbortController): Promise<void> {
    try {
      const listing = await this.list(source, { signal: controller.signal });
      if (this.controller === controller) this.state = { phase: 'listed', source, listing };
    } catch (error) {
      if (this.controller !== controller || controller.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.state = { phase: 'error', source, message };
    }
  }
}
