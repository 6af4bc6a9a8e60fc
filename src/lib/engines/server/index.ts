// The protocol core of the server engine: kinds, request bodies, response parsing, retries.
export {
  KINDS,
  OPENAI_LEGACY_TOP_N_CAP,
  isServerKind,
  type KindCapabilities,
  type ServerKind,
} from './kinds';
export {
  buildScoreRequest,
  type JsonObject,
  type JsonValue,
  type ScoreQuery,
  type ServerRequest,
} from './requests';
export { parseScore, type ParsedScore, type ParseOptions, type ScoreQuality } from './responses';
export { ServerRequestError, ServerResponseError } from './errors';
export {
  DEFAULT_RETRY,
  InFlightLimit,
  postJson,
  ServerHttpError,
  ServerUnreachableError,
  type FetchLike,
  type PostOptions,
  type RetryPolicy,
} from './retry';
