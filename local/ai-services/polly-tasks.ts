import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { type AsyncJob, AsyncJobFailed } from '../store/async-jobs.js';
import type { Input, LeafContext, LeafJobKind, LeafOperation, S3Location } from './declaration.js';
import { speech } from './polly-speech.js';

const KIND = 'speech-synthesis';
/** A task's text may be 200,000 characters (100,000 billed); SynthesizeSpeech's 3,000. */
const TASK_TEXT_LIMIT = 200_000;

/** The file name's extension for each output format, as Polly names the object it writes. */
const EXTENSIONS: Readonly<Record<string, string>> = { mp3: 'mp3', ogg_vorbis: 'ogg', ogg_opus: 'ogg', pcm: 'pcm', json: 'marks' };

/**
 * Where a task's output goes: `<prefix>.<task id>.<ext>` in OutputS3BucketName, or
 * `<task id>.<ext>` without a prefix (Polly's "Creating long audio files (CLI)" example:
 * the prefix `optional/prefix/path/file` gives `optional/prefix/path/file.<task_id>.mp3`).
 */
function outputLocation(input: Input, taskId: string): S3Location {
  const name = `${taskId}.${EXTENSIONS[String(input.OutputFormat)] ?? 'mp3'}`;
  const prefix = typeof input.OutputS3KeyPrefix === 'string' && input.OutputS3KeyPrefix !== '' ? input.OutputS3KeyPrefix : undefined;
  return { bucket: String(input.OutputS3BucketName), key: prefix === undefined ? name : `${prefix}.${name}` };
}

/** The SynthesisTask shape of a job, as Start, Get and List answer it; its statuses are Polly's (scheduled, inProgress, completed, failed). */
function taskShape(job: AsyncJob<Input, unknown>, context: LeafContext): Record<string, unknown> {
  const input = job.input;
  const out = outputLocation(input, job.id);
  const status =
    job.status === 'SUCCEEDED'
      ? 'completed'
      : job.status === 'FAILED'
        ? 'failed'
        : context.clock.now() < job.startsAt
          ? 'scheduled'
          : 'inProgress';
  const copied = ['Engine', 'LanguageCode', 'LexiconNames', 'OutputFormat', 'SampleRate', 'SnsTopicArn', 'SpeechMarkTypes', 'VoiceId'];
  return {
    TaskId: job.id,
    TaskStatus: status,
    ...(job.failure === undefined ? {} : { TaskStatusReason: job.failure }),
    OutputUri: `https://s3.${context.region}.amazonaws.com/${out.bucket}/${out.key}`,
    CreationTime: new Date(job.submittedAt),
    RequestCharacters: String(input.Text ?? '').length,
    TextType: input.TextType ?? 'text',
    ...Object.fromEntries(copied.filter((member) => input[member] !== undefined).map((member) => [member, input[member]])),
  };
}

const notFound = (id: string) => new AwsError('SynthesisTaskNotFoundException', `Synthesis task with id ${id} not found`, 400);

/**
 * Polly's asynchronous synthesis: StartSpeechSynthesisTask answers a task `scheduled`, which
 * writes the speech SynthesizeSpeech would answer to the output bucket as the caller (whose
 * s3:PutObject on it AWS requires) and moves inProgress, completed on the runtime's clock; a
 * bucket the caller cannot write fails the task with the S3 error as its TaskStatusReason.
 */
export const SPEECH_SYNTHESIS_TASKS: Readonly<Record<string, LeafOperation>> = {
  StartSpeechSynthesisTask: {
    simulate(input, context) {
      // The text's length and SSML are refused at the start, as SynthesizeSpeech refuses them.
      speech(input, TASK_TEXT_LIMIT);
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(String(input.OutputS3BucketName))) {
        throw new AwsError('InvalidS3BucketException', 'The provided Amazon S3 bucket name is invalid.', 400);
      }
      const job = context.jobs.submit(KIND, input, { id: randomUUID() });
      return { SynthesisTask: taskShape(job, context) };
    },
  },
  GetSpeechSynthesisTask: {
    simulate(input, context) {
      const id = String(input.TaskId);
      const job = context.jobs.get(KIND, id);
      if (job === undefined) throw notFound(id);
      return { SynthesisTask: taskShape(job, context) };
    },
  },
  ListSpeechSynthesisTasks: {
    simulate(input, context) {
      const tasks = context.jobs
        .list(KIND)
        .map((job) => taskShape(job, context))
        .filter((task) => input.Status === undefined || task.TaskStatus === input.Status);
      return { SynthesisTasks: tasks };
    },
  },
};

/** The synthesis task's work, and its notice to SnsTopicArn once it has ended. */
export const SPEECH_SYNTHESIS_JOBS: Readonly<Record<string, LeafJobKind>> = {
  [KIND]: {
    queuedMs: 200,
    runMs: 800,
    async run(input, context, id) {
      const { audio, contentType } = speech(input, TASK_TEXT_LIMIT);
      const location = outputLocation(input, id);
      try {
        await context.writeObject(location, audio, contentType, { asCaller: true });
      } catch (error) {
        // The reason names the object and S3's answer, so that a missing bucket or a role without s3:PutObject is told apart.
        if (error instanceof AwsError)
          throw new AsyncJobFailed(`Error writing s3://${location.bucket}/${location.key}: ${error.code}: ${error.message}`, {
            cause: error,
          });
        throw error;
      }
      return {};
    },
    async settled(job, notify) {
      const topic = job.input.SnsTopicArn;
      if (typeof topic !== 'string') return;
      const out = outputLocation(job.input, job.id);
      const message = {
        taskId: job.id,
        taskStatus: job.status === 'SUCCEEDED' ? 'COMPLETED' : 'FAILED',
        ...(job.failure === undefined ? {} : { taskStatusReason: job.failure }),
        outputUri: `s3://${out.bucket}/${out.key}`,
        creationTime: new Date(job.submittedAt).toISOString(),
        requestCharacters: String(job.input.Text ?? '').length,
        snsTopicArn: topic,
        outputFormat: String(job.input.OutputFormat).toUpperCase(),
        textType: String(job.input.TextType ?? 'text').toUpperCase(),
        voiceId: job.input.VoiceId,
      };
      await notify.publish(topic, JSON.stringify(message));
    },
  },
};
