import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { jsonOrText } from '../json/json-depth.js';
import { operationTable } from '../service-registry/operation-table.js';
import type { SdkOperations } from '../states/aws-sdk-integrations.js';
import { TaskFailure, type TaskRequest } from '../states/engine/index.js';
import { abortable, pick, serviceFailure } from '../states/integrations/shared.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { BedrockService } from './bedrock-service.js';
import { KNOWLEDGE_BASES } from './knowledge-bases/knowledge-base-service.js';
import { KnowledgeBaseRuntimeApi } from './knowledge-bases/runtime-api.js';

/** The Java SDK's names in the errors of `bedrock:` tasks. */
const ERRORS = { prefix: 'Bedrock', service: 'BedrockRuntime', accessDenied: 'AccessDeniedException' };

/** Bedrock Runtime's InvokeModel, and S3 for the task's `Input` and `Output` locations. */
export interface BedrockForTasks {
  invokeModel(modelId: string, body: Buffer, serviceTier: string | undefined): Promise<{ body: Buffer; headers: Record<string, string> }>;
  readObject(bucket: string, key: string): Buffer;
  writeObject(bucket: string, key: string, body: Buffer, contentType: string): void;
}

/** `s3://bucket/key` as its parts; anything else fails the task as Step Functions' validation would. */
function s3Location(uri: unknown, field: string): { bucket: string; key: string } {
  const match = typeof uri === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
  if (!match)
    throw new TaskFailure(
      'States.Runtime',
      `The field '${field}.S3Uri' must be an S3 URI (s3://bucket/key); it is ${JSON.stringify(uri)}.`,
    );
  return { bucket: match[1] ?? '', key: match[2] ?? '' };
}

/**
 * `arn:aws:states:::bedrock:invokeModel` (https://docs.aws.amazon.com/step-functions/latest/dg/connect-bedrock.html):
 * InvokeModel with `ModelId` (id, profile id or ARN), `Body` (an object is sent as its JSON,
 * a string as it is) or `Input.S3Uri` (the object's bytes), `ContentType`, `Accept`. The
 * result is `{Body, ContentType}`, the answer parsed when it is JSON; with `Output.S3Uri` the
 * answer is written there and `Body` holds `{Output: {S3Uri}}` instead (unverified against AWS).
 * Errors are `Bedrock.<Exception>`.
 */
async function bedrockInvokeModel(bedrock: BedrockForTasks, args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
  const params = pick(args, ['ModelId', 'Body', 'Input', 'Output', 'ContentType', 'Accept', 'ServiceTier']);
  if (typeof params.ModelId !== 'string')
    throw new TaskFailure('States.Runtime', "The field 'ModelId' is required by bedrock:invokeModel.");
  if ((params.Body === undefined) === (params.Input === undefined)) {
    throw new TaskFailure('States.Runtime', "bedrock:invokeModel takes either 'Body' or 'Input', not both and not neither.");
  }
  const input = params.Input as { S3Uri?: unknown } | undefined;
  let body: Buffer;
  try {
    if (input) {
      const { bucket, key } = s3Location(input.S3Uri, 'Input');
      body = bedrock.readObject(bucket, key);
    } else body = Buffer.from(typeof params.Body === 'string' ? params.Body : JSON.stringify(params.Body));
    const tier = typeof params.ServiceTier === 'string' ? params.ServiceTier : undefined;
    const answer = await abortable(bedrock.invokeModel(params.ModelId, body, tier), request.signal);
    const contentType = answer.headers['content-type'] ?? 'application/json';
    const output = params.Output as { S3Uri?: unknown } | undefined;
    if (output) {
      const { bucket, key } = s3Location(output.S3Uri, 'Output');
      bedrock.writeObject(bucket, key, answer.body, contentType);
      return { Body: { Output: { S3Uri: output.S3Uri } }, ContentType: contentType };
    }
    return { Body: jsonOrText(answer.body.toString('utf8')), ContentType: contentType };
  } catch (error) {
    if (request.signal.aborted || error instanceof TaskFailure) throw error;
    if (!(error instanceof AwsError)) throw error;
    throw serviceFailure(ERRORS, error, (code) => code);
  }
}

/**
 * Bedrock Runtime's Step Functions integrations: `bedrock:invokeModel` (its `Input` and
 * `Output` locations in the local S3, looked up when a task runs), and its API as
 * `aws-sdk:bedrockruntime` (streams have no place in a task's answer); the knowledge bases'
 * Retrieve and RetrieveAndGenerate as `aws-sdk:bedrockagentruntime`.
 */
export const bedrockStepFunctions: StepFunctionsIntegrations<
  BedrockService,
  BedrockForTasks & { readonly sdk: SdkOperations; readonly knowledgeBases: SdkOperations }
> = {
  connect: (bedrock, { services }) => ({
    invokeModel: (modelId, body, tier) => bedrock.invokeModel(modelId, body, tier),
    readObject: (Bucket, Key) => services.get('s3').s3.GetObject({ Bucket, Key }).body,
    writeObject: (Bucket, Key, Body, ContentType) => {
      services.get('s3').s3.PutObject({ Bucket, Key, Body, ContentType }, { requestId: randomUUID(), sourceIp: '127.0.0.1' });
    },
    sdk: bedrock.sdkOperations,
    knowledgeBases: knowledgeBaseOperations(bedrock),
  }),
  optimized: {
    errors: ERRORS,
    actions: {
      invokeModel: {
        patterns: ['request-response'],
        request: (args) => ({ operation: 'InvokeModel', input: { modelId: args.ModelId } }),
        run: (_env, bedrock, args, request) => bedrockInvokeModel(bedrock, args, request),
      },
    },
  },
  sdk: {
    bedrockruntime: {
      name: 'BedrockRuntime',
      wireCase: 'camel',
      model: { package: '@aws-sdk/client-bedrock-runtime', baseException: 'BedrockRuntimeServiceException' },
      unsupported: new Set(['converseStream', 'invokeModelWithResponseStream', 'invokeModelWithBidirectionalStream']),
      operations: (bedrock) => bedrock.sdk,
    },
    bedrockagentruntime: {
      name: 'BedrockAgentRuntime',
      wireCase: 'camel',
      apiModel: 'bedrock-agent-runtime',
      operations: (bedrock) => bedrock.knowledgeBases,
    },
  },
};

/** Retrieve and RetrieveAndGenerate as `aws-sdk:bedrockagentruntime:*` tasks call them: a flow grounded in the app's documents. */
function knowledgeBaseOperations(bedrock: BedrockService): SdkOperations {
  const knowledgeBases = KNOWLEDGE_BASES.get(bedrock);
  return knowledgeBases === undefined
    ? {}
    : (operationTable(new KnowledgeBaseRuntimeApi(knowledgeBases, bedrock), KnowledgeBaseRuntimeApi) as SdkOperations);
}
