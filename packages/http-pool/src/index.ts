export { APIConnectionPool } from './api-connection-pool.js';
export type { PoolStatistics } from './api-connection-pool.js';
export type { APIConnectionPoolOptions, RequestOptions, RetryOptions } from './api-connection-pool-options.js';
export { HttpResponse } from './http-response.js';
export { parseServerSentEvents } from './sse.js';
export type { ServerSentEvent } from './sse.js';
export { HttpPoolError, HttpError, TimeoutError, NetworkError } from './errors.js';
export type { HttpPoolErrorCode, RequestContext, TimeoutPhase } from './errors.js';
