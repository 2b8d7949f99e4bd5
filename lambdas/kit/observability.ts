import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Tracing as the kit does it: without the X-Ray SDK in the bundle. Every SwitchyardFunction
 * has Lambda active tracing, so Lambda itself records each invocation (its Init, Invocation
 * and Overhead subsegments), and the SDK v3 passes the invocation's trace header
 * (X-Amzn-Trace-Id, from `_X_AMZN_TRACE_ID`) on every AWS call it makes, so SQS,
 * EventBridge, SNS and Step Functions continue the same trace. What the Powertools Tracer
 * added on top (a subsegment per AWS call and per handler run, the ColdStart annotation) cost
 * every bundle the X-Ray SDK and its dependencies (~120 KB, ~25 ms of module load at every
 * cold start); it is given up for that.
 */
export interface Tracer {
  /**
   * Returns the client unchanged: AWS calls are traced through the header the SDK already
   * sends. Kept so that handlers written for the Powertools Tracer keep working.
   */
  captureAWSv3Client<T>(client: T): T;
}

/**
 * One logger, tracer and metrics object per function instance. Service name and
 * namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, which
 * the function factory sets.
 */
export const logger = new Logger();
export const tracer: Tracer = { captureAWSv3Client: (client) => client };
// Marked pure so that esbuild leaves Powertools Metrics (~12 KB) out of every bundle that never
// reads `metrics` (a handler that only logs, a durable function): a `new` at module scope is
// otherwise kept for its possible side effects. Nothing is published unless `metrics` is used.
export const metrics = /* @__PURE__ */ new Metrics();
