import { arnOf, member, type OperationContext, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/**
 * A log group as CloudWatch Logs authorizes its operations: `log-group:<G>:log-stream:`
 * (empty stream), which is why AWS documents granting `log-group:<G>:*` and a policy on
 * `log-group:<G>` alone does not grant group operations.
 */
const logGroupArnOf = (group: unknown, context: OperationContext): string =>
  arnOf('logs', context, `log-group:${text(group) ?? '*'}:log-stream:`);

/** A log stream's ARN: `log-group:<G>:log-stream:<S>`. */
const logStreamArnOf = (group: unknown, stream: unknown, context: OperationContext): string =>
  arnOf('logs', context, `log-group:${text(group) ?? '*'}:log-stream:${text(stream) ?? '*'}`);

const group: ResourceOf = (input, context) => {
  // Operations that take logGroupIdentifier accept a name or an ARN.
  const identifier = member(input, 'logGroupIdentifier');
  if (identifier?.startsWith('arn:')) return `${identifier.replace(/:\*$/, '')}:log-stream:`;
  return logGroupArnOf(member(input, 'logGroupName') ?? identifier, context);
};
const stream: ResourceOf = (input, context) =>
  logStreamArnOf(member(input, 'logGroupName') ?? member(input, 'logGroupIdentifier'), member(input, 'logStreamName'), context);
/** Tags name the group by its ARN (without `:*`). */
const tagged: ResourceOf = (input, context) => member(input, 'resourceArn') ?? arnOf('logs', context, 'log-group:*');

/**
 * How IAM authorizes CloudWatch Logs' requests (its module declares it): each operation is the
 * action of its name on the group or stream it names (members camelCase as the API names them, or PascalCase).
 */
export const logsIam = serviceIam('logs', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  // Resource policies are the account's, not a group's: their actions take resource "*".
  unscoped: ['DescribeLogGroups', 'PutResourcePolicy', 'DescribeResourcePolicies', 'DeleteResourcePolicy'],
  sameNamed: {
    CreateLogGroup: group,
    DeleteLogGroup: group,
    PutRetentionPolicy: group,
    DeleteRetentionPolicy: group,
    DescribeLogStreams: group,
    FilterLogEvents: group,
    ListTagsLogGroup: group,
    TagLogGroup: group,
    UntagLogGroup: group,
    CreateLogStream: stream,
    DeleteLogStream: stream,
    PutLogEvents: stream,
    GetLogEvents: stream,
    ListTagsForResource: tagged,
    TagResource: tagged,
    UntagResource: tagged,
  },
});
