// What can go wrong with local run storage, in words a user can act on.

/** A storage call failed; `operation` says what we were doing, the message what to do about it. */
export class StoreError extends Error {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${operation} failed: ${advice(cause)}`, { cause });
    this.name = 'StoreError';
  }
}

/** The run is not (or no longer) in this browser's storage: deleted in another tab, say. */
export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`Run "${runId}" is not in this browser's storage (it may have been deleted).`);
    this.name = 'RunNotFoundError';
  }
}

/** A label made with another prompt configuration than the run's: mixing them would be silent. */
export class ConfigMismatchError extends Error {
  constructor(
    readonly runId: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(
      `A label with prompt configuration ${got} cannot be saved in run "${runId}", which uses ` +
        `${expected}. Start a new run to label with other settings.`,
    );
    this.name = 'ConfigMismatchError';
  }
}

/** Storage errors carry a DOMException name; the common ones get a plain explanation. */
function advice(cause: unknown): string {
  const name = cause instanceof Error || cause instanceof DOMException ? cause.name : '';
  const message = cause instanceof Error || cause instanceof DOMException ? cause.message : '';
  if (name === 'QuotaExceededError') {
    return 'the browser storage for this site is full. Delete old runs or free disk space.';
  }
  if (name === 'InvalidStateError') {
    return 'the database connection was closed (another tab upgraded it?). Reload the page.';
  }
  if (name === 'UnknownError' || name === 'VersionError') {
    return `${message || name}. Private browsing or blocked site data can disable IndexedDB.`;
  }
  return message || String(cause);
}
