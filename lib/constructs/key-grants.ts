import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * What reading and writing items of a table encrypted with a customer-managed key takes
 * (`table.grant(...)` grants the table actions only). Named actions, no wildcards.
 */
export const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'] as const;

/** Grants `grantee` the use of a table's key, if the table has a customer-managed one. */
export function grantTableKey(table: { readonly encryptionKey?: kms.IKey }, grantee: iam.IGrantable): void {
  table.encryptionKey?.grant(grantee, ...TABLE_KEY_ACTIONS);
}

/**
 * `queue.grantSendMessages(grantee)`, with the key actions SendMessage takes on a queue
 * encrypted with a customer-managed key named (CDK's grant adds `kms:ReEncrypt*` and
 * `kms:GenerateDataKey*`, wildcards the AwsSolutions checks refuse).
 */
export function grantSendMessages(queue: sqs.IQueue, grantee: iam.IGrantable): iam.Grant {
  queue.encryptionMasterKey?.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  return queue.grant(grantee, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
}
