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
