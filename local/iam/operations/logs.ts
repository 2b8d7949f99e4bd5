import { ANY, arnOf, type OperationContext, type OperationTable, sameNamed, text } from './shared.js';

/**
 * A log stream's ARN, `log-group:G:log-stream:S`. Operations on a group use the group's
 * stream ARN with no stream (`log-group:G:log-stream:`), which the `log-group:G:*` that
 * CDK's grants name matches, as AWS's does.
 */
const streamArn = (input: Record<string, unknown>, context: OperationContext) => {
  const group = text(input.logGroupName) ?? text(input.logGroupIdentifier)?.replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, '') ?? '*';
  return arnOf('logs', context, `log-group:${group}:log-stream:${text(input.logStreamName) ?? ''}`);
};
const tagged = (input: Record<string, unknown>, context: OperationContext) => text(input.resourceArn) ?? streamArn(input, context);

/** CloudWatch Logs: the action of each operation's name on the log group or stream. */
export const logsOperations: OperationTable = sameNamed('logs', {
  PutLogEvents: streamArn,
  CreateLogStream: streamArn,
  CreateLogGroup: streamArn,
  DeleteLogGroup: streamArn,
  DeleteLogStream: streamArn,
  DescribeLogStreams: streamArn,
  GetLogEvents: streamArn,
  FilterLogEvents: streamArn,
  PutRetentionPolicy: streamArn,
  DeleteRetentionPolicy: streamArn,
  PutSubscriptionFilter: streamArn,
  DeleteSubscriptionFilter: streamArn,
  DescribeSubscriptionFilters: streamArn,
  StartQuery: streamArn,
  TagResource: tagged,
  UntagResource: tagged,
  ListTagsForResource: tagged,
  DescribeLogGroups: ANY,
  GetQueryResults: ANY,
  StopQuery: ANY,
  DescribeQueries: ANY,
  StartLiveTail: ANY,
});
