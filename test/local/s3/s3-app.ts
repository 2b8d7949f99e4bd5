import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LocalRuntime } from '../../../local/runtime.js';
import { startedForTests } from '../../helpers/started-for-tests.js';
import { credentials, disposableData, region } from '../helpers.js';
import { s3Assembly } from './fixture.js';

export interface S3App {
  readonly runtime: LocalRuntime;
  /** Path-style, one attempt: a refusal is the test's answer, not retried. */
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * The S3 fixture app (s3Assembly) on a runtime of its own for the tests of the file that calls
 * this, handed to `started` with S3 and SQS clients of its endpoint; all stopped after the tests.
 */
export function useS3App(started: (app: S3App) => void): void {
  startedForTests(
    'the S3 app',
    async (): Promise<S3App> => {
      const runtime = await LocalRuntime.start({ cdkOut: s3Assembly(), ...disposableData(), port: 0, log: () => {} });
      const s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
      return { runtime, s3, sqs: new SQSClient({ endpoint: runtime.url, region, credentials }) };
    },
    async ({ runtime, s3, sqs }) => {
      s3.destroy();
      sqs.destroy();
      await runtime.stop();
    },
    { setUp: async (app) => started(app) },
  );
}
