// Local storage of dataset runs (IndexedDB): runs, their pairs, their labels, their parse reports.
export { ConfigMismatchError, RunNotFoundError, StoreError } from './errors';
export { RunStore, withUniqueIds, type NewRun, type RunStoreOptions, type StoredRun } from './runs';
export { DB_NAME, type RunRecord, type RunSource, type RunStatus } from './schema';
