// The reward worker's channel (see src/lib/worker/channel.ts) and the error of a dead worker.
import { Channel, type CallOptions, type EventOf } from '../../worker/channel';
import { reviveRewardError, type RewardRequest, type RewardResponse } from './protocol';

export class RewardWorkerCrashedError extends Error {
  constructor(detail: string) {
    super(
      `The reward model worker stopped (${detail}). Exported reward models are kept; start the ` +
        'worker again to continue, or pick a smaller encoder if it ran out of memory.',
    );
    this.name = 'RewardWorkerCrashedError';
  }
}

/** Request/response over the reward worker, with its own message types and errors. */
export type RewardChannel = Channel<RewardRequest, RewardResponse>;
export type RewardCallOptions = CallOptions<EventOf<RewardResponse>>;

export function rewardChannel(worker: Worker): RewardChannel {
  return new Channel<RewardRequest, RewardResponse>(worker, {
    revive: (message) => reviveRewardError(message.error),
    crashed: (detail) => new RewardWorkerCrashedError(detail),
  });
}
