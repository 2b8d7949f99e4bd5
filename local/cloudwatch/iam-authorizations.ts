import { serviceIam } from '../iam/authorizations.js';

/**
 * How IAM authorizes CloudWatch's metric requests (its module declares it): PutMetricData,
 * ListMetrics, GetMetricStatistics and GetMetricData name no resource (IAM's reference lists
 * them on `*`), and DescribeAlarms lists the account's alarms, so on `*` too.
 */
export const cloudWatchIam = serviceIam('cloudwatch', {
  accessDenied: { code: 'AccessDenied', status: 403 },
  unscoped: ['PutMetricData', 'ListMetrics', 'GetMetricStatistics', 'GetMetricData', 'DescribeAlarms'],
});
