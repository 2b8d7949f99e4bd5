import { AwsError } from '../endpoint/aws-error.js';
import type { IamPrincipal } from '../iam/types.js';
import { type AsyncJob, AsyncJobFailed, AsyncJobs } from '../store/async-jobs.js';
import { randomId } from './async-invoke.js';
import type { Body } from './families/shared.js';
import { type ListFilters, listPage } from './job-listing.js';
import { type JobApiOptions, joinKey, type OutputDataConfig, outputLocation, parseS3Uri, type S3Location } from './job-objects.js';

/** A batch job as accepted: CreateModelInvocationJob's input, as the API returns it. */
interface BatchInput {
  readonly jobName: string;
  readonly modelId: string;
  readonly roleArn: string;
  readonly inputDataConfig: { readonly s3InputDataConfig: { readonly s3Uri: string } & Body };
  readonly outputDataConfig: OutputDataConfig;
  readonly timeoutDurationInHours: number;
  readonly modelInvocationType?: string;
  readonly vpcConfig?: Body;
}

/** The counts of a job's manifest (`manifest.json.out`), which Get and List answer with too. */
interface BatchCounts {
  readonly totalRecordCount: number;
  readonly processedRecordCount: number;
  readonly successRecordCount: number;
  readonly errorRecordCount: number;
  readonly inputTokenCount: number;
  readonly outputTokenCount: number;
}

/** One record's model answer: InvokeModel's body, or Converse's answer, with the tokens it took. */
export type RecordInvoker = (
  modelId: string,
  modelInput: Body,
  type: 'InvokeModel' | 'Converse',
) => Promise<{ readonly modelOutput: unknown; readonly inputTokens: number; readonly outputTokens: number }>;

/**
 * Clock time a batch job spends Submitted, Validating and Scheduled (a third each), then
 * InProgress: minutes to hours on AWS, shortened so a job ends while its developer waits.
 */
const QUEUED_MS = 30_000;
const RUN_MS = 60_000;
/** AWS's default timeout (timeoutDurationInHours). */
const DEFAULT_TIMEOUT_HOURS = 168;

export interface BatchInferenceOptions extends JobApiOptions {
  /** Refuses a model id as Bedrock refuses it (unknown, past its end of life, not answered here). */
  readonly checkModel: (modelId: string) => void;
  readonly invoke: RecordInvoker;
}

const notFound = (identifier: string) =>
  new AwsError('ResourceNotFoundException', `The batch inference job ${identifier} does not exist.`, 404);

/**
 * Bedrock's batch inference (CreateModelInvocationJob, GetModelInvocationJob,
 * ListModelInvocationJobs, StopModelInvocationJob): a job is a row of the service's
 * AsyncJobs that reads its JSONL records from S3 and writes, per input file,
 * `<output s3Uri>/<job id>/<file>.out` and `manifest.json.out`, as its role (IAM evaluated for
 * each S3 access). Each record is answered through the local Bedrock's InvokeModel (or
 * Converse) path, on the backend SWITCHYARD_MODELS names for the model; a record that is not
 * JSON, or that the model refuses, is a record error in the output, not a failed job.
 */
export class BatchInferenceApi {
  readonly jobs: AsyncJobs<BatchInput, BatchCounts>;

  constructor(private readonly options: BatchInferenceOptions) {
    const { db, clock, onError } = options;
    this.jobs = new AsyncJobs<BatchInput, BatchCounts>({ db, clock, onError, table: 'bedrock_batch_jobs', run: (job) => this.#run(job) });
  }

  async CreateModelInvocationJob(input: BatchInput & { clientRequestToken?: string; tags?: unknown }) {
    this.options.checkModel(input.modelId);
    parseS3Uri(input.inputDataConfig.s3InputDataConfig.s3Uri, 'inputDataConfig.s3InputDataConfig.s3Uri');
    outputLocation(input.outputDataConfig);
    const duplicate = this.jobs.list('batch').find((job) => job.input.jobName === input.jobName);
    if (duplicate && duplicate.token !== input.clientRequestToken) {
      throw new AwsError('ValidationException', `A batch inference job named ${input.jobName} already exists.`, 400);
    }
    const job: BatchInput = {
      jobName: input.jobName,
      modelId: input.modelId,
      roleArn: input.roleArn,
      inputDataConfig: input.inputDataConfig,
      outputDataConfig: input.outputDataConfig,
      timeoutDurationInHours: input.timeoutDurationInHours ?? DEFAULT_TIMEOUT_HOURS,
      ...(input.modelInvocationType ? { modelInvocationType: input.modelInvocationType } : {}),
      ...(input.vpcConfig ? { vpcConfig: input.vpcConfig } : {}),
    };
    const token = input.clientRequestToken;
    const { job: accepted } = this.jobs.submit(
      { id: randomId(), kind: 'batch', input: job, ...(token ? { token } : {}) },
      { queuedMs: QUEUED_MS, runMs: RUN_MS },
    );
    return { jobArn: this.#arn(accepted.id) };
  }

  async GetModelInvocationJob({ jobIdentifier }: { jobIdentifier: string }) {
    return this.#summary(this.#job(jobIdentifier));
  }

  async ListModelInvocationJobs(input: ListFilters & { nameContains?: string }) {
    const summaries = this.jobs
      .list('batch')
      .filter((job) => input.nameContains === undefined || job.input.jobName.includes(input.nameContains))
      .map((job) => this.#summary(job));
    const page = listPage(summaries, input, (summary) => summary.submitTime as Date);
    return { invocationJobSummaries: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }

  async StopModelInvocationJob({ jobIdentifier }: { jobIdentifier: string }) {
    const job = this.#job(jobIdentifier);
    if (!this.jobs.stopJob(job.id)) {
      throw new AwsError(
        'ValidationException',
        `The batch inference job ${jobIdentifier} has ended (${this.#status(job)}) and cannot be stopped.`,
        400,
      );
    }
    return {};
  }

  #job(identifier: string): AsyncJob<BatchInput, BatchCounts> {
    const id = identifier.split('/').pop() ?? identifier;
    const job = this.jobs.find(id);
    if (job === undefined || job.kind !== 'batch' || (identifier.startsWith('arn:') && identifier !== this.#arn(id)))
      throw notFound(identifier);
    return job;
  }

  #arn(id: string): string {
    return `arn:aws:bedrock:${this.options.region}:${this.options.accountId}:model-invocation-job/${id}`;
  }

  /** The status AWS names: a queued job is Submitted, then Validating, then Scheduled (a third of its queued time each). */
  #status(job: AsyncJob<BatchInput, BatchCounts>): string {
    switch (job.status) {
      case 'SUCCEEDED':
        return 'Completed';
      case 'FAILED':
        return 'Failed';
      case 'STOPPED':
        return 'Stopped';
      default: {
        if (this.jobs.phase(job) === 'running') return 'InProgress';
        const queued = (this.options.clock.now() - job.submittedAt) / Math.max(1, job.startsAt - job.submittedAt);
        return queued < 1 / 3 ? 'Submitted' : queued < 2 / 3 ? 'Validating' : 'Scheduled';
      }
    }
  }

  #summary(job: AsyncJob<BatchInput, BatchCounts>): Body {
    const { input, output } = job;
    const counts = output
      ? {
          totalRecordCount: output.totalRecordCount,
          processedRecordCount: output.processedRecordCount,
          successRecordCount: output.successRecordCount,
          errorRecordCount: output.errorRecordCount,
        }
      : {};
    return {
      jobArn: this.#arn(job.id),
      ...input,
      ...(job.token ? { clientRequestToken: job.token } : {}),
      status: this.#status(job),
      ...(job.failure ? { message: job.failure } : {}),
      submitTime: new Date(job.submittedAt),
      lastModifiedTime: new Date(job.endedAt ?? job.submittedAt),
      ...(job.endedAt === undefined ? {} : { endTime: new Date(job.endedAt) }),
      jobExpirationTime: new Date(job.submittedAt + input.timeoutDurationInHours * 3_600_000),
      ...counts,
    };
  }

  /** The job's work: every record of every input file answered, the outputs and the manifest written, as the job's role. */
  async #run(job: AsyncJob<BatchInput, BatchCounts>): Promise<BatchCounts> {
    const role: IamPrincipal = { kind: 'role', roleArn: job.input.roleArn, sessionName: job.id };
    const where = `batch inference job ${job.input.jobName}`;
    const input = parseS3Uri(job.input.inputDataConfig.s3InputDataConfig.s3Uri, 's3Uri');
    const output = outputLocation(job.input.outputDataConfig);
    const files = input.key.endsWith('.jsonl')
      ? [input.key]
      : (await this.options.objects.list(role, input, where)).filter((key) => key.endsWith('.jsonl'));
    if (files.length === 0) throw new AsyncJobFailed(`No .jsonl input file was found at s3://${input.bucket}/${input.key}.`);
    const totals = {
      totalRecordCount: 0,
      processedRecordCount: 0,
      successRecordCount: 0,
      errorRecordCount: 0,
      inputTokenCount: 0,
      outputTokenCount: 0,
    };
    const jobFolder: S3Location = { bucket: output.bucket, key: joinKey(output.key, job.id) };
    for (const key of files) {
      const lines = (await this.options.objects.read(role, { bucket: input.bucket, key }, where))
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      const results: string[] = [];
      for (const [index, line] of lines.entries()) {
        if (this.jobs.find(job.id)?.status === 'STOPPED') return totals;
        const result = await this.#record(job.input, line, index);
        totals.totalRecordCount++;
        totals.processedRecordCount++;
        if ('error' in result) totals.errorRecordCount++;
        else totals.successRecordCount++;
        totals.inputTokenCount += result.inputTokens;
        totals.outputTokenCount += result.outputTokens;
        results.push(JSON.stringify(result.line));
      }
      const name = `${key.split('/').pop()}.out`;
      await this.options.objects.write(
        role,
        { ...jobFolder, key: joinKey(jobFolder.key, name) },
        Buffer.from(`${results.join('\n')}\n`),
        'application/jsonl',
        where,
      );
    }
    const manifest = Buffer.from(JSON.stringify(totals));
    await this.options.objects.write(
      role,
      { ...jobFolder, key: joinKey(jobFolder.key, 'manifest.json.out') },
      manifest,
      'application/json',
      where,
    );
    return totals;
  }

  /** One record's output line: `{recordId, modelInput, modelOutput}`, or `error` in place of `modelOutput`. */
  async #record(
    job: BatchInput,
    line: string,
    index: number,
  ): Promise<{ line: Body; inputTokens: number; outputTokens: number; error?: true }> {
    // AWS gives a record without an id one of 11 characters; here its line number, padded.
    const generatedId = String(index + 1).padStart(11, '0');
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return recordError({ recordId: generatedId }, 400, 'The record is not valid JSON.');
    }
    const recordId = typeof (record as Body)?.recordId === 'string' ? ((record as Body).recordId as string) : generatedId;
    const modelInput = (record as Body)?.modelInput;
    if (typeof modelInput !== 'object' || modelInput === null || Array.isArray(modelInput)) {
      return recordError({ recordId }, 400, 'The record has no modelInput JSON object.');
    }
    const type = job.modelInvocationType === 'Converse' ? 'Converse' : 'InvokeModel';
    try {
      const answer = await this.options.invoke(job.modelId, modelInput as Body, type);
      return {
        line: { recordId, modelInput, modelOutput: answer.modelOutput },
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
      };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return recordError({ recordId, modelInput }, error.status, error.message);
    }
  }
}

function recordError(line: Body, errorCode: number, errorMessage: string) {
  return { line: { ...line, error: { errorCode, errorMessage } }, inputTokens: 0, outputTokens: 0, error: true as const };
}
