import { tryParseArn } from '../names/arn.js';

/** A bucket as the start-up report names it: whether it sends its events to EventBridge, and the queues, topics and functions it notifies. */
export interface BucketLine {
  readonly name: string;
  readonly eventBridge: boolean;
  readonly configurations?: readonly { readonly kind: string; readonly arn: string }[];
}

/** The buckets, where each sends its events, and how to upload to one that sends them somewhere. */
export function bucketLines(buckets: readonly BucketLine[], url: string): string[] {
  if (buckets.length === 0) return [];
  const destinations = (b: BucketLine) => [
    ...(b.eventBridge ? ['events to the default bus'] : []),
    ...(b.configurations ?? []).map((c) => `${c.kind} ${tryParseArn(c.arn)?.resourceId ?? c.arn}`),
  ];
  const notifying = buckets.filter((b) => destinations(b).length > 0);
  const names = buckets
    .map((b) => (destinations(b).length > 0 ? `${b.name} (${[...new Set(destinations(b))].join(', ')})` : b.name))
    .join(', ');
  const lines = [`  buckets: ${names}`];
  const [first] = notifying;
  if (first !== undefined) lines.push(`  upload: aws --endpoint-url ${url} s3 cp <file> s3://${first.name}/<key>`);
  return lines;
}
