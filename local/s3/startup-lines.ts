import { tryParseArn } from '../names/arn.js';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';

/** A bucket as the start-up report names it: whether it sends its events to EventBridge, and the queues, topics and functions it notifies. */
export interface BucketLine {
  readonly name: string;
  readonly eventBridge: boolean;
  readonly configurations?: readonly {
    readonly kind: string;
    readonly arn: string;
    /** As written (`s3:ObjectCreated:*`); absent, every event. */
    readonly events?: readonly string[];
    /** The key filter's, URL-encoded as S3 compares them. */
    readonly prefix?: string;
    readonly suffix?: string;
  }[];
}

/**
 * The buckets, where each sends its events, and how to upload to one that sends them somewhere.
 * An upload is also the command to try, ahead of every other service's: what the bucket notifies
 * expects S3's event, which an invocation with `{}` or a message `hello` is not (their handlers
 * fail reading `Records` or `detail.bucket`).
 */
export function bucketReport(buckets: readonly BucketLine[], url: string): Pick<ServiceReport, 'lines' | 'tryIt'> {
  if (buckets.length === 0) return { lines: [] };
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
  const upload = notifying.flatMap((b) => {
    const key = createdKey(b);
    return key === undefined ? [] : [`echo hello | aws --endpoint-url ${url} s3 cp - ${shellQuote(`s3://${b.name}/${key}`)}`];
  })[0];
  return { lines, ...(upload === undefined ? {} : { tryIt: { rank: 0.5, shell: upload } }) };
}

/** A key whose upload the bucket notifies: one its first object-created configuration's filter takes, else any when its events go to EventBridge. */
function createdKey(bucket: BucketLine): string | undefined {
  const created = (bucket.configurations ?? []).find(
    (c) => c.events === undefined || c.events.some((e) => e.startsWith('s3:ObjectCreated:')),
  );
  if (created === undefined) return bucket.eventBridge ? 'hello.txt' : undefined;
  // Filters are written URL-encoded (a space as `+`); the key uploaded is the decoded one.
  const decode = (text: string | undefined) => decodeURIComponent((text ?? '').replace(/\+/g, ' '));
  const prefix = decode(created.prefix);
  const suffix = decode(created.suffix);
  let key = prefix === '' || prefix.endsWith('/') ? `${prefix}hello` : prefix;
  if (suffix !== '') return key.endsWith(suffix) ? key : `${key}${suffix}`;
  if (!/\.[^/]*$/.test(key)) key = `${key}.txt`;
  return key;
}
