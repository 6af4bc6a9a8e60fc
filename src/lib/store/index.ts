// Local storage of dataset runs (IndexedDB): runs, their pairs, their labels, their parse reports
// and the reward models trained on them.
export { ConfigMismatchError, RunNotFoundError, StoreError } from './errors';
export {
  RunStore,
  withUniqueIds,
  type NewRewardModel,
  type NewRun,
  type RunStoreOptions,
  type StoredRun,
} from './runs';
export {
  DB_NAME,
  DB_VERSION,
  type RewardModelRecord,
  type RewardSlot,
  type RunRecord,
  type RunSource,
  type RunStatus,
} from './schema';
