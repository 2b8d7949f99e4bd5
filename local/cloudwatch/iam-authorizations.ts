import { arnOf, type ResourceOf, serviceIam } from '../iam/authorizations.js';

/** The account's alarms: DescribeAlarms is authorized on the alarm resource type (IAM's reference requires one), on every alarm. */
const alarms: ResourceOf = (_input, context) => arnOf('cloudwatch', context, 'alarm:*');

/**
 * How IAM authorizes CloudWatch's metric requests (its module declares it): PutMetricData,
 * ListMetrics, GetMetricStatistics and GetMetricData name no resource (IAM's reference lists
 * them on `*`); DescribeAlarms lists the account's alarms, on `alarm:*`.
 */
export const cloudWatchIam = serviceIam('cloudwatch', {
  accessDenied: { code: 'AccessDenied', status: 403 },
  unscoped: ['PutMetricData', 'ListMetrics', 'GetMetricStatistics', 'GetMetricData'],
  sameNamed: { DescribeAlarms: alarms },
});
