import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The credentials and region every client of a test runtime uses (the runtime accepts any key unless told to check signatures). */
export const TEST_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const TEST_REGION = 'us-east-1';

/** AWS SDK v3 clients set up for a test runtime's endpoint, one per service. */
export interface TestClients {
  readonly sqs: SQSClient;
  readonly eventbridge: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
}

/** The clients for `endpoint`: one attempt per call, so a test sees a refused call at once and not after the SDK's retries. */
export function testClients(endpoint: string): TestClients {
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    sqs: new SQSClient(config),
    eventbridge: new EventBridgeClient(config),
    // AWS serves StartSyncExecution and TestState on a `sync-` host, which a local endpoint has not.
    sfn: new SFNClient({ ...config, disableHostPrefix: true }),
    dynamodb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
    // The local S3 serves buckets by path (`<endpoint>/<bucket>/<key>`), as a custom endpoint needs.
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sns: new SNSClient(config),
  };
}

/** Closes every client's sockets. */
export function destroyClients(clients: TestClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}
