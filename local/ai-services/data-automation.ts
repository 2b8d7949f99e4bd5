import { bedrockIam } from '../bedrock/iam-authorizations.js';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { type AsyncJob, AsyncJobFailed } from '../store/async-jobs.js';
import { invocationOutput } from './data-automation-output.js';
import { type BlueprintFields, blueprintOf, DATA_AUTOMATION_TYPES } from './data-automation-resources.js';
import type { Input, LeafContext, LeafServiceDeclaration, S3Location } from './declaration.js';
import { BadDocument, type DocumentContent, readDocument, UnsupportedDocument } from './documents.js';

const KIND = 'invocation';
const PROJECT = 'AWS::Bedrock::DataAutomationProject';
const BLUEPRINT = 'AWS::Bedrock::Blueprint';

/** The job's input failures, in the job as Data Automation reports a client error. */
const UNREADABLE = 'Unable to access the input S3 object. Check the S3 URI and that the caller can read it.';
const UNSUPPORTED = 'Unsupported file format. Supported document formats are PDF, TIFF, JPEG and PNG.';
const BAD = 'The input file is corrupted or cannot be parsed.';

/** What a finished invocation keeps: where its metadata is and what it read the asset as. */
interface Outcome {
  readonly metadataUri: string;
  readonly semanticModality: string;
}

/** An `s3://bucket/key` URI (the model's pattern has checked its form), the key of an output a prefix ending in `/`. */
function s3Location(uri: string, prefix = false): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri) as RegExpExecArray;
  const key = match[2] ?? '';
  return { bucket: match[1] as string, key: prefix && key !== '' && !key.endsWith('/') ? `${key}/` : key };
}

const invocationArn = (context: LeafContext, id: string) =>
  `arn:aws:bedrock:${context.region}:${context.accountId}:data-automation-invocation/${id}`;

/** AWS's own projects (`arn:aws:bedrock:<region>:aws:data-automation-project/public-default`) and the template's. */
function checkProject(input: Input, context: LeafContext): void {
  const project = (input.dataAutomationConfiguration as Input | undefined)?.dataAutomationProjectArn;
  if (typeof project !== 'string' || /:aws:data-automation-project\//.test(project)) return;
  if (!context.resources(PROJECT).some((r) => r.ref === project)) {
    throw validationError(`The data automation project ${project} does not exist.`);
  }
}

/** The blueprints a job applies: those given, else its project's custom output configuration's; each the template's. */
function blueprintsOf(input: Input, context: LeafContext): BlueprintFields[] {
  const project = (input.dataAutomationConfiguration as Input | undefined)?.dataAutomationProjectArn;
  const fromProject = context.resources(PROJECT).find((r) => r.ref === project)?.properties.CustomOutputConfiguration as
    | { Blueprints?: { BlueprintArn?: string }[] }
    | undefined;
  const arns = [
    ...((input.blueprints as { blueprintArn: string }[] | undefined) ?? []).map((b) => b.blueprintArn),
    ...(fromProject?.Blueprints ?? []).map((b) => String(b.BlueprintArn)),
  ];
  const resources = context.resources(BLUEPRINT);
  return arns.flatMap((arn) => {
    const found = blueprintOf(resources, arn);
    return found ? [found] : [];
  });
}

/** The asset's content, or the job's client error for bytes Data Automation does not read. */
function contentOf(bytes: Buffer): DocumentContent {
  try {
    return readDocument(bytes);
  } catch (error) {
    if (error instanceof UnsupportedDocument) throw new AsyncJobFailed(UNSUPPORTED, { cause: error });
    if (error instanceof BadDocument) throw new AsyncJobFailed(BAD, { cause: error });
    throw error;
  }
}

/** The job's work: the asset read and its output written as the caller; what it cannot read fails it with a client error. */
async function run(input: Input, context: LeafContext, id: string): Promise<Outcome> {
  const source = s3Location(String((input.inputConfiguration as Input).s3Uri));
  const output = s3Location(String((input.outputConfiguration as Input).s3Uri), true);
  let bytes: Buffer;
  try {
    bytes = await context.readObject(source);
  } catch (error) {
    if (error instanceof AwsError) throw new AsyncJobFailed(UNREADABLE, { cause: error });
    throw error;
  }
  const written = invocationOutput(id, contentOf(bytes), source, output, blueprintsOf(input, context), context.digest);
  for (const [path, body] of written.files) {
    try {
      await context.writeObject(
        { bucket: output.bucket, key: `${output.key}${id}/${path}` },
        Buffer.from(JSON.stringify(body)),
        'application/json',
        {
          asCaller: true,
        },
      );
    } catch (error) {
      if (error instanceof AwsError)
        throw new AsyncJobFailed(`Unable to write the output to ${String((input.outputConfiguration as Input).s3Uri)}: ${error.message}`, {
          cause: error,
        });
      throw error;
    }
  }
  return { metadataUri: `s3://${output.bucket}/${output.key}${id}/job_metadata.json`, semanticModality: written.semanticModality };
}

/** GetDataAutomationStatus's answer for a job. */
function statusOf(job: AsyncJob<Input, unknown>, context: LeafContext): Record<string, unknown> {
  const outcome = job.output as Outcome | undefined;
  const status =
    job.status === 'SUCCEEDED'
      ? 'Success'
      : job.status === 'FAILED'
        ? job.failure?.startsWith('An internal error')
          ? 'ServiceError'
          : 'ClientError'
        : context.clock.now() < job.startsAt
          ? 'Created'
          : 'InProgress';
  return {
    status,
    ...(status === 'ClientError' || status === 'ServiceError' ? { errorType: status, errorMessage: job.failure } : {}),
    ...(outcome ? { outputConfiguration: { s3Uri: outcome.metadataUri } } : {}),
    jobSubmissionTime: new Date(job.submittedAt),
    ...(job.endedAt === undefined
      ? {}
      : { jobCompletionTime: new Date(job.endedAt), jobDurationInSeconds: Math.round((job.endedAt - job.submittedAt) / 1000) }),
  };
}

/** The job's id from its invocation ARN. */
const idOf = (arn: unknown) => /data-automation-invocation\/([A-Za-z0-9_-]+)$/.exec(String(arn))?.[1] ?? '';

/**
 * Bedrock Data Automation's runtime: InvokeDataAutomationAsync reads a document from S3 as
 * the caller, and as its job's time comes writes what AWS writes for it (job_metadata.json,
 * the standard output with the document's text by page and element, a blueprint's custom
 * output), then puts AWS's completion event on the default bus when asked to.
 */
export const DATA_AUTOMATION: LeafServiceDeclaration = {
  name: 'bedrock-data-automation-runtime',
  title: 'BedrockDataAutomationRuntime',
  sdkClient: {
    package: '@aws-sdk/client-bedrock-data-automation-runtime',
    serviceId: 'Bedrock Data Automation Runtime',
    baseException: 'BedrockDataAutomationRuntimeServiceException',
  },
  iam: bedrockIam,
  stepFunctionsName: 'bedrockdataautomationruntime',
  resourceTypes: DATA_AUTOMATION_TYPES,
  operations: {
    InvokeDataAutomationAsync: {
      simulate(input, context) {
        checkProject(input, context);
        const token = typeof input.clientToken === 'string' ? input.clientToken : undefined;
        const job = context.jobs.submit(KIND, input, token ? { token } : {});
        return { invocationArn: invocationArn(context, job.id) };
      },
    },
    GetDataAutomationStatus: {
      simulate(input, context) {
        const job = context.jobs.get(KIND, idOf(input.invocationArn));
        if (job === undefined) throw new AwsError('ResourceNotFoundException', `Invocation not found: ${String(input.invocationArn)}`);
        return statusOf(job, context);
      },
    },
  },
  jobs: {
    [KIND]: {
      queuedMs: 500,
      runMs: 2000,
      run,
      async settled(job, notify) {
        const enabled = (job.input.notificationConfiguration as Input | undefined)?.eventBridgeConfiguration as Input | undefined;
        if (enabled?.eventBridgeEnabled !== true) return;
        const outcome = job.output as Outcome | undefined;
        const source = s3Location(String((job.input.inputConfiguration as Input).s3Uri));
        const output = s3Location(String((job.input.outputConfiguration as Input).s3Uri), true);
        const failed = job.status !== 'SUCCEEDED';
        const service = job.failure?.startsWith('An internal error');
        notify.putEvent({
          source: 'aws.bedrock',
          'detail-type': failed
            ? `Bedrock Data Automation Job Failed With ${service ? 'Service' : 'Client'} Error`
            : 'Bedrock Data Automation Job Succeeded',
          resources: [],
          detail: {
            job_id: job.id,
            job_status: failed ? (service ? 'SERVICE_ERROR' : 'CLIENT_ERROR') : 'SUCCESS',
            semantic_modality: outcome?.semanticModality === 'IMAGE' ? 'Image' : 'Document',
            input_s3_object: { s3_bucket: source.bucket, name: source.key },
            output_s3_location: { s3_bucket: output.bucket, name: `${output.key}${job.id}` },
            error_message: job.failure ?? '',
          },
        });
      },
    },
  },
};
