import type { GroupRow, StreamRow } from './logs-store.js';

/** A log group as DescribeLogGroups answers it, given its ARN (without `:*`) and how many metric filters it has. */
export function describeGroup(row: GroupRow, arn: string, metricFilterCount: number) {
  return {
    logGroupName: row.name,
    creationTime: row.creation_time,
    ...(row.retention_days === null ? {} : { retentionInDays: row.retention_days }),
    metricFilterCount,
    arn: `${arn}:*`,
    storedBytes: row.stored_bytes,
    ...(row.kms_key_id === null ? {} : { kmsKeyId: row.kms_key_id }),
    logGroupClass: row.group_class,
    logGroupArn: arn,
    deletionProtectionEnabled: row.deletion_protection === 1,
  };
}

/** A log stream as DescribeLogStreams answers it, given its group's ARN. */
export function describeStream(row: StreamRow, groupArn: string) {
  return {
    logStreamName: row.name,
    creationTime: row.creation_time,
    ...(row.first_event === null ? {} : { firstEventTimestamp: row.first_event }),
    ...(row.last_event === null ? {} : { lastEventTimestamp: row.last_event }),
    ...(row.last_ingestion === null ? {} : { lastIngestionTime: row.last_ingestion }),
    arn: `${groupArn}:log-stream:${row.name}`,
    storedBytes: 0,
  };
}
