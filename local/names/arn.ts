/**
 * Amazon Resource Names, parsed once for every service of the runtime.
 *
 * The general formats (IAM user guide, "Identify AWS resources with ARNs"):
 *
 *     arn:partition:service:region:account-id:resource-id
 *     arn:partition:service:region:account-id:resource-type/resource-id
 *     arn:partition:service:region:account-id:resource-type:resource-id
 *
 * "Some resource identifiers include a parent resource (sub-resource-type/parent-resource/sub-resource)
 * or a qualifier such as a version (resource-type:resource-name:qualifier)": which one a
 * service's resource has is not in the ARN itself, so the formats the runtime reads are listed here.
 */
export interface Arn {
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  /** The service namespace: `sqs`, `lambda`, `states`, `events`, `dynamodb`, `s3`, ... */
  readonly service: string;
  /** Empty where the format omits it (S3 buckets, IAM). */
  readonly region: string;
  /** Empty where the format omits it (S3 buckets). */
  readonly account: string;
  /** Everything after the account, as written: `function:f:1`, `table/t/stream/2024-...`, `bucket/key`. */
  readonly resource: string;
  /** `function`, `stateMachine`, `execution`, `event-bus`, `rule`, `table`, `log-group`, ...; undefined for SQS queues, SNS topics and S3 buckets, whose resource is the name itself. */
  readonly resourceType?: string;
  /** The resource's own name or id: the queue, topic, bucket, function, table, bus, rule, execution name. */
  readonly resourceId: string;
  /** What the resource is named inside: a rule's custom bus, a schedule's group, an execution's state machine. */
  readonly parent?: string;
  /** What follows the id: a function or state machine version or alias, an SNS subscription id, a DynamoDB `stream/<label>`, a log group's `*`, an S3 object key. */
  readonly qualifier?: string;
}

/** A string that is not an ARN where one is needed; `arn` is the string as given. */
export class InvalidArnError extends Error {
  override readonly name = 'InvalidArnError';
  constructor(
    readonly arn: string,
    reason: string,
  ) {
    super(`${arn} is not an ARN: ${reason}`);
  }
}

/** Resources named inside another: `rule/[bus/]name`, `schedule/group/name`, `execution:machine:name`. */
const PARENTED = new Set(['events:rule', 'scheduler:schedule', 'states:execution', 'states:express']);

/**
 * Slash resources whose id is one segment and the rest a sub-resource path (`table/t/stream/<label>`,
 * `connection/name/<uuid>`). Other slash ids are paths as a whole: IAM `role/path/name`, SSM
 * `parameter/a/b`, a partner event bus `event-bus/aws.partner/saas.com/id/name`.
 */
const SEGMENT_IDS = new Set(['dynamodb:table', 'events:connection', 'events:api-destination']);

/**
 * Parses an ARN into its parts (see {@link Arn}).
 * @throws InvalidArnError when `text` does not have the documented shape.
 */
export function parseArn(text: string): Arn {
  const parts = text.split(':');
  if (parts[0] !== 'arn') throw new InvalidArnError(text, "it does not start with 'arn:'");
  if (parts.length < 6) throw new InvalidArnError(text, 'it has fewer than six colon-separated parts');
  const [, partition = '', service = '', region = '', account = ''] = parts;
  const resource = parts.slice(5).join(':');
  if (partition === '') throw new InvalidArnError(text, 'its partition is empty');
  if (service === '') throw new InvalidArnError(text, 'its service is empty');
  if (resource === '') throw new InvalidArnError(text, 'its resource is empty');
  return { partition, service, region, account, resource, ...resourceParts(service, account, resource) };
}

/** The parsed ARN, or `undefined` for a string that is not one (a name where a name or an ARN is taken). */
export function tryParseArn(text: string): Arn | undefined {
  try {
    return parseArn(text);
  } catch (error) {
    if (error instanceof InvalidArnError) return undefined;
    throw error;
  }
}

type ResourceParts = Pick<Arn, 'resourceType' | 'resourceId' | 'parent' | 'qualifier'>;

function resourceParts(service: string, account: string, resource: string): ResourceParts {
  // SQS queues, SNS topics (and their subscriptions) and S3 buckets (and their objects) have no resource type.
  if (service === 'sqs') return { resourceId: resource };
  if (service === 'sns') return split(resource, ':');
  if (service === 's3' && account === '') return split(resource, '/');
  const at = resource.search(/[:/]/);
  if (at < 0) return { resourceId: resource };
  const resourceType = resource.slice(0, at);
  const separator = resource[at] as ':' | '/';
  const rest = resource.slice(at + 1);
  const kind = `${service}:${resourceType}`;
  if (PARENTED.has(kind)) return { resourceType, ...parented(rest, separator) };
  if (separator === '/' && !SEGMENT_IDS.has(kind)) return { resourceType, resourceId: rest };
  return { resourceType, ...split(rest, separator) };
}

/** `id[<separator>qualifier]`. */
function split(text: string, separator: ':' | '/'): ResourceParts {
  const at = text.indexOf(separator);
  return at < 0 ? { resourceId: text } : { resourceId: text.slice(0, at), qualifier: text.slice(at + 1) };
}

/** `[parent<separator>]id[<separator>qualifier]` (an Express execution's ARN ends in a run id). */
function parented(text: string, separator: ':' | '/'): ResourceParts {
  const [first = '', second, ...more] = text.split(separator);
  if (second === undefined) return { resourceId: first };
  return { parent: first, resourceId: second, ...(more.length > 0 ? { qualifier: more.join(separator) } : {}) };
}

/** The resource's name in an ARN (a rule's, a queue's), or the text itself when it is not an ARN: for a label. */
export function resourceNameIn(text: string): string {
  return tryParseArn(text)?.resourceId ?? text;
}
