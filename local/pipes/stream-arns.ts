import { tryParseArn } from '../names/arn.js';

/** `arn:...:dynamodb:...:table/<name>/stream/<label>`. */
function isDynamoDbStreamArn(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'dynamodb' && parsed.resourceType === 'table' && parsed.qualifier?.startsWith('stream/') === true;
}

/** `arn:...:kinesis:...:stream/<name>`. */
export function isKinesisStreamArn(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'kinesis' && parsed.resourceType === 'stream';
}

/** A DynamoDB or Kinesis stream: what the pipes' shard readers read (stream-shards.ts). */
export function isStreamSourceArn(arn: string): boolean {
  return isDynamoDbStreamArn(arn) || isKinesisStreamArn(arn);
}

/** A stream by name: a Kinesis stream's, or the DynamoDB table's whose stream it is (what a failure is listed under). */
export function streamName(arn: string): string {
  return tryParseArn(arn)?.resourceId ?? arn;
}

/** How a log line names a stream: `stream clicks` (Kinesis), `the stream of table Orders` (DynamoDB). */
export function streamLabel(arn: string): string {
  return isKinesisStreamArn(arn) ? `stream ${streamName(arn)}` : isDynamoDbStreamArn(arn) ? `the stream of table ${streamName(arn)}` : arn;
}
