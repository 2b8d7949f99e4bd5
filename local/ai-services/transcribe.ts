import { AwsError } from '../endpoint/aws-error.js';
import { arnOf, member, type OperationContext } from '../iam/authorizations.js';
import { type AsyncJob, AsyncJobFailed } from '../store/async-jobs.js';
import { spokenText } from './audio.js';
import type { Input, LeafContext, LeafServiceDeclaration, S3Location } from './declaration.js';

const KIND = 'transcription';
const UNREADABLE = "The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your request again.";

/** The object a media URI names: `s3://bucket/key`, or S3's path- or virtual-hosted-style HTTPS URL. */
function mediaLocation(uri: string): S3Location | undefined {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3) return { bucket: s3[1] as string, key: s3[2] as string };
  const path = /^https:\/\/s3[.-][^/]*amazonaws\.com\/([^/]+)\/(.+)$/.exec(uri);
  if (path) return { bucket: path[1] as string, key: decodeURIComponent(path[2] as string) };
  const host = /^https:\/\/([^.]+)\.s3[.-][^/]*amazonaws\.com\/(.+)$/.exec(uri);
  if (host) return { bucket: host[1] as string, key: decodeURIComponent(host[2] as string) };
  return undefined;
}

/** Where the transcript goes: the output bucket and key (a key ending in `/` a folder), else `<job>.json` in the media's bucket. */
function transcriptLocation(input: Input): S3Location {
  const name = String(input.TranscriptionJobName);
  const key =
    typeof input.OutputKey === 'string'
      ? input.OutputKey.endsWith('/')
        ? `${input.OutputKey}${name}.json`
        : input.OutputKey
      : `${name}.json`;
  const bucket =
    typeof input.OutputBucketName === 'string'
      ? input.OutputBucketName
      : (mediaLocation(String((input.Media as Input | undefined)?.MediaFileUri)) as S3Location).bucket;
  return { bucket, key };
}

/** The transcript of the media: the text an MP3 the simulated Polly made carries, else a sentence drawn from the media's digest. */
function transcriptOf(media: Buffer, context: LeafContext): string {
  return spokenText(media) ?? `Simulated transcript ${context.digest.slice(0, 8)}.`;
}

/** The transcript file, as Transcribe writes it: the text, and an item per word with its times (at about 2.5 words a second). */
function transcriptFile(name: string, accountId: string, text: string): Record<string, unknown> {
  const items = (text.match(/[^\s.,!?]+|[.,!?]/g) ?? []).map((word, i) =>
    /^[.,!?]$/.test(word)
      ? { type: 'punctuation', alternatives: [{ confidence: '0.0', content: word }] }
      : {
          start_time: (i * 0.4).toFixed(2),
          end_time: (i * 0.4 + 0.35).toFixed(2),
          type: 'pronunciation',
          alternatives: [{ confidence: '0.99', content: word }],
        },
  );
  return { jobName: name, accountId, status: 'COMPLETED', results: { transcripts: [{ transcript: text }], items } };
}

/** The TranscriptionJob shape of a job, as Get and Start answer it. */
function jobShape(job: AsyncJob<Input, unknown>, phase: string, region: string): Record<string, unknown> {
  const input = job.input;
  const status =
    job.status === 'SUCCEEDED' ? 'COMPLETED' : job.status === 'FAILED' ? 'FAILED' : phase === 'queued' ? 'QUEUED' : 'IN_PROGRESS';
  const out = transcriptLocation(input);
  return {
    TranscriptionJobName: job.id,
    TranscriptionJobStatus: status,
    ...(typeof input.LanguageCode === 'string' ? { LanguageCode: input.LanguageCode } : {}),
    ...(typeof input.MediaFormat === 'string' ? { MediaFormat: input.MediaFormat } : {}),
    Media: input.Media,
    CreationTime: new Date(job.submittedAt),
    ...(status === 'QUEUED' ? {} : { StartTime: new Date(job.startsAt) }),
    ...(job.endedAt === undefined ? {} : { CompletionTime: new Date(job.endedAt) }),
    ...(job.failure === undefined ? {} : { FailureReason: job.failure }),
    ...(status === 'COMPLETED' ? { Transcript: { TranscriptFileUri: `https://s3.${region}.amazonaws.com/${out.bucket}/${out.key}` } } : {}),
  };
}

const phaseOf = (job: AsyncJob<Input, unknown>, context: LeafContext) =>
  job.status === 'IN_PROGRESS' && context.clock.now() < job.startsAt ? 'queued' : 'running';

const notFound = () =>
  new AwsError('NotFoundException', "The requested job couldn't be found. Check the job name and try your request again.");

/**
 * Amazon Transcribe's batch transcription jobs: a job reads its media from S3, writes its
 * transcript file to the output bucket (or the media's) and moves QUEUED, IN_PROGRESS,
 * COMPLETED on the runtime's clock; an MP3 the simulated Polly made transcribes to its text.
 */
/** A transcription job's ARN, which IAM authorizes reading and deleting it on. */
function transcriptionJob(input: Input, context: OperationContext): string {
  return arnOf('transcribe', context, `transcription-job/${member(input, 'TranscriptionJobName') ?? '*'}`);
}

export const TRANSCRIBE: LeafServiceDeclaration = {
  name: 'transcribe',
  title: 'Transcribe',
  sdkClient: { package: '@aws-sdk/client-transcribe', serviceId: 'Transcribe', baseException: 'TranscribeServiceException' },
  iamResources: { GetTranscriptionJob: transcriptionJob, DeleteTranscriptionJob: transcriptionJob },
  operations: {
    StartTranscriptionJob: {
      simulate(input, context) {
        const name = String(input.TranscriptionJobName);
        if (context.jobs.get(KIND, name))
          throw new AwsError('ConflictException', 'The requested job name already exists. Use a different job name.');
        if (mediaLocation(String((input.Media as Input | undefined)?.MediaFileUri ?? '')) === undefined) {
          throw new AwsError('BadRequestException', 'The URI that you provided is not valid. Specify a valid Amazon S3 URI.');
        }
        const job = context.jobs.submit(KIND, input, { id: name });
        return { TranscriptionJob: jobShape(job, phaseOf(job, context), context.region) };
      },
    },
    GetTranscriptionJob: {
      simulate(input, context) {
        const job = context.jobs.get(KIND, String(input.TranscriptionJobName));
        if (job === undefined) throw notFound();
        return { TranscriptionJob: jobShape(job, phaseOf(job, context), context.region) };
      },
    },
    ListTranscriptionJobs: {
      simulate(input, context) {
        const jobs = context.jobs.list(KIND).map((job) => jobShape(job, phaseOf(job, context), context.region));
        const wanted = jobs.filter(
          (j) =>
            (input.Status === undefined || j.TranscriptionJobStatus === input.Status) &&
            (input.JobNameContains === undefined || String(j.TranscriptionJobName).includes(String(input.JobNameContains))),
        );
        return {
          ...(input.Status === undefined ? {} : { Status: input.Status }),
          TranscriptionJobSummaries: wanted.map(({ Media: _, Transcript: __, ...summary }) => summary),
        };
      },
    },
    DeleteTranscriptionJob: {
      simulate(input, context) {
        context.jobs.delete(String(input.TranscriptionJobName));
        return {};
      },
    },
  },
  jobs: {
    [KIND]: {
      queuedMs: 500,
      runMs: 1500,
      async run(input, context) {
        const location = mediaLocation(String((input.Media as Input | undefined)?.MediaFileUri ?? ''));
        if (location === undefined) throw new AsyncJobFailed(UNREADABLE);
        let media: Buffer;
        try {
          media = await context.readObject(location);
        } catch (error) {
          if (error instanceof AwsError) throw new AsyncJobFailed(UNREADABLE, { cause: error });
          throw error;
        }
        const name = String(input.TranscriptionJobName);
        const file = transcriptFile(name, context.accountId, transcriptOf(media, context));
        try {
          await context.writeObject(transcriptLocation(input), Buffer.from(JSON.stringify(file)), 'application/json');
        } catch (error) {
          if (error instanceof AwsError)
            throw new AsyncJobFailed(`The output bucket can't be written to: ${error.message}`, { cause: error });
          throw error;
        }
        return {};
      },
    },
  },
};
