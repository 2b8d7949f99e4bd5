import { AwsError, validationError } from '../endpoint/aws-error.js';
import type { IamPrincipal } from '../iam/types.js';
import { lowerAlphanumericId } from '../random/random-id.js';
import { type AsyncJob, AsyncJobs } from '../store/async-jobs.js';
import type { Body } from './families/shared.js';
import { type ListPage, listPage } from './job-listing.js';
import { type JobApiOptions, joinKey, type OutputDataConfig, outputLocation } from './job-objects.js';
import type { FoundationModel } from './model-ids.js';
import { isVideoModel, simulatedVideo, type VideoRequest, videoRequest } from './video.js';

/** What an asynchronous invocation keeps: the request as accepted and who asked for it (S3 is written as that caller). */
interface InvokeInput {
  readonly modelId: string;
  readonly modelArn: string;
  readonly video: VideoRequest;
  readonly outputDataConfig: OutputDataConfig;
  readonly principal: IamPrincipal;
}

/** Clock time a video takes to make per second of video: AWS's Nova Reel page gives about 90 s for a 6-second video. */
const MS_PER_VIDEO_SECOND = 15_000;

const STATUS = { IN_PROGRESS: 'InProgress', SUCCEEDED: 'Completed', FAILED: 'Failed', STOPPED: 'Failed' } as const;

export interface AsyncInvokeOptions extends JobApiOptions {
  /** The model an id names, refused as Bedrock refuses it (unknown, past its end of life). */
  readonly model: (modelId: string) => FoundationModel;
  /** Who is calling (the request's signer), whom the video is written to S3 as. */
  readonly caller: () => IamPrincipal;
}

/**
 * Bedrock Runtime's asynchronous invocation (StartAsyncInvoke, GetAsyncInvoke,
 * ListAsyncInvokes), how AWS serves its video models: an invocation is a job of the
 * service's AsyncJobs, InProgress for as long as the video takes on the runtime's clock,
 * then Completed with `<s3Uri>/<invocation id>/output.mp4` written as its caller, or Failed
 * with the reason S3 or IAM gave.
 */
export class AsyncInvokeApi {
  readonly jobs: AsyncJobs<InvokeInput, Body>;

  constructor(private readonly options: AsyncInvokeOptions) {
    const { db, clock, onError } = options;
    this.jobs = new AsyncJobs<InvokeInput, Body>({ db, clock, onError, table: 'bedrock_async_invokes', run: (job) => this.#make(job) });
  }

  async StartAsyncInvoke(input: Body) {
    const modelId = String(input.modelId);
    const model = this.options.model(modelId);
    if (!isVideoModel(model)) throw validationError("The provided model doesn't support async inference.");
    const video = videoRequest(model, input.modelInput);
    const outputDataConfig = input.outputDataConfig as OutputDataConfig;
    outputLocation(outputDataConfig);
    const job: InvokeInput = {
      modelId,
      modelArn: `arn:aws:bedrock:${this.options.region}::foundation-model/${model.id}`,
      video,
      outputDataConfig,
      principal: this.options.caller(),
    };
    const token = typeof input.clientRequestToken === 'string' ? input.clientRequestToken : undefined;
    const { job: accepted, created } = this.jobs.submit(
      { id: randomId(), kind: 'async-invoke', input: job, ...(token ? { token } : {}) },
      { queuedMs: 0, runMs: video.durationSeconds * MS_PER_VIDEO_SECOND },
    );
    if (!created && JSON.stringify({ ...accepted.input, principal: undefined }) !== JSON.stringify({ ...job, principal: undefined })) {
      throw new AwsError('ConflictException', 'The clientRequestToken was already used for a different asynchronous invocation.', 400);
    }
    return { invocationArn: this.#arn(accepted.id) };
  }

  async GetAsyncInvoke({ invocationArn }: { invocationArn: string }) {
    const id = /:async-invoke\/([a-z0-9]{12})$/.exec(invocationArn)?.[1];
    const job = id === undefined ? undefined : this.jobs.find(id);
    if (job === undefined || job.kind !== 'async-invoke' || this.#arn(job.id) !== invocationArn) {
      throw validationError(`The asynchronous invocation ${invocationArn} does not exist.`);
    }
    return this.#summary(job);
  }

  async ListAsyncInvokes(input: {
    submitTimeAfter?: string;
    submitTimeBefore?: string;
    statusEquals?: string;
    maxResults?: number;
    nextToken?: string;
    sortOrder?: string;
  }): Promise<{ asyncInvokeSummaries: Body[]; nextToken?: string }> {
    const summaries = this.jobs.list('async-invoke').map((job) => this.#summary(job));
    const page: ListPage<Body> = listPage(summaries, input, (summary) => summary.submitTime as Date);
    return { asyncInvokeSummaries: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }

  #arn(id: string): string {
    return `arn:aws:bedrock:${this.options.region}:${this.options.accountId}:async-invoke/${id}`;
  }

  #summary(job: AsyncJob<InvokeInput, Body>): Body {
    const { input } = job;
    return {
      invocationArn: this.#arn(job.id),
      modelArn: input.modelArn,
      ...(job.token ? { clientRequestToken: job.token } : {}),
      status: STATUS[job.status],
      ...(job.failure ? { failureMessage: job.failure } : {}),
      submitTime: new Date(job.submittedAt),
      lastModifiedTime: new Date(job.endedAt ?? job.submittedAt),
      ...(job.endedAt === undefined ? {} : { endTime: new Date(job.endedAt) }),
      outputDataConfig: input.outputDataConfig,
    };
  }

  /** The job's work once its time has passed: the simulated video, written where the caller asked, as the caller. */
  async #make(job: AsyncJob<InvokeInput, Body>): Promise<Body> {
    const { bucket, key } = outputLocation(job.input.outputDataConfig);
    const location = { bucket, key: joinKey(joinKey(key, job.id), 'output.mp4') };
    const video = simulatedVideo(job.input.modelArn, job.input.video);
    await this.options.objects.write(job.input.principal, location, video, 'video/mp4', `asynchronous invocation ${job.id}`);
    return {};
  }
}

/** A job's id as Bedrock writes them: 12 lowercase letters and digits. */
export function randomId(): string {
  return lowerAlphanumericId(12);
}
