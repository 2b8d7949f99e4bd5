import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, Validations } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { SwitchyardEncryption } from './encryption.js';

/**
 * Every Switchyard queue is encrypted at rest (with the stack's SwitchyardEncryption key if
 * it has one, SQS-managed if not) and refuses requests without TLS.
 */
export function secureQueue(
  scope: Construct,
  id: string,
  props: Omit<sqs.QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> = {},
): sqs.Queue {
  const key = SwitchyardEncryption.keyOf(scope);
  return new sqs.Queue(scope, id, {
    ...(key === undefined
      ? { encryption: sqs.QueueEncryption.SQS_MANAGED }
      : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...props,
  });
}

/** A queue that only ever receives what failed elsewhere. */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  props: Omit<sqs.QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> = {},
): sqs.Queue {
  const queue = secureQueue(scope, id, props);
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue; a DLQ of a DLQ would only move the problem.',
  });
  return queue;
}
