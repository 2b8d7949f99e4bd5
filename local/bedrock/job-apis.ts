import type { DatabaseSync } from 'node:sqlite';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { currentCaller } from '../iam/caller.js';
import type { IamCheck } from '../iam/iam-check.js';
import type { S3Service } from '../s3/s3-service.js';
import { operationTable } from '../service-registry/operation-table.js';
import type { OutboxHandlerError } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import { AsyncInvokeApi } from './async-invoke.js';
import { BatchInferenceApi, type RecordInvoker } from './batch-inference.js';
import type { BedrockService } from './bedrock-service.js';
import { JobObjects } from './job-objects.js';

export interface BedrockJobsOptions {
  readonly bedrock: BedrockService;
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly s3: () => S3Service;
  readonly iam: () => IamCheck;
  readonly onError: (error: OutboxHandlerError) => void;
}

/**
 * Bedrock's jobs: Bedrock Runtime's asynchronous invocations (served with the runtime's
 * model calls, bedrock-api.ts) and the control plane's batch inference jobs (`bedrock`'s
 * model, spoken by the model-driven REST-JSON codec; its other operations answered as
 * unsupported by name), kept in the service's database.
 */
export function bedrockJobs(options: BedrockJobsOptions) {
  const { bedrock, db, clock, region, accountId, onError } = options;
  const shared = { db, clock, region, accountId, onError, objects: new JobObjects(options.s3, options.iam) };
  const asyncInvokes = new AsyncInvokeApi({
    ...shared,
    model: (modelId) => bedrock.served(modelId, 'StartAsyncInvoke'),
    caller: () => options.iam().principals.principalOf(currentCaller()?.accessKeyId),
  });
  const batch = new BatchInferenceApi({ ...shared, checkModel: (modelId) => bedrock.served(modelId), invoke: recordInvoker(bedrock) });
  const protocols = [
    new ModelRestJsonProtocol(
      loadModel('bedrock'),
      operationTable(batch, BatchInferenceApi) as ModelOperations,
      { serviceName: 'Bedrock', validate: modelValidator('bedrock') },
      { greedyLabels: ['jobIdentifier'] },
    ),
  ];
  return {
    asyncInvokes,
    batch,
    protocols,
    start: () => {
      asyncInvokes.jobs.start();
      batch.jobs.start();
    },
    stop: () => Promise.all([asyncInvokes.jobs.stop(), batch.jobs.stop()]).then(() => undefined),
  };
}

/** A batch record answered on the path InvokeModel (or Converse) takes: the same backends, faults, ledger and usage. */
function recordInvoker(bedrock: BedrockService): RecordInvoker {
  return async (modelId, modelInput, type) => {
    if (type === 'Converse') {
      const answer = await bedrock.converse(modelId, modelInput);
      const usage = answer.usage as { inputTokens: number; outputTokens: number };
      return { modelOutput: answer, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
    }
    const answer = await bedrock.invokeModel(modelId, Buffer.from(JSON.stringify(modelInput)), undefined);
    return {
      modelOutput: JSON.parse(answer.body.toString('utf8')),
      inputTokens: Number(answer.headers['x-amzn-bedrock-input-token-count'] ?? 0),
      outputTokens: Number(answer.headers['x-amzn-bedrock-output-token-count'] ?? 0),
    };
  };
}
