/**
 * Request and response shapes of the SQS JSON protocol (`AmazonSQS.<Op>` targets), as
 * `@aws-sdk/client-sqs` puts them on the wire: same member names, binary values as base64
 * strings. In-process callers may pass Uint8Array where the wire has base64.
 */

export type QueueAttributeMap = Record<string, string>;

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string | Uint8Array;
  StringListValues?: string[];
  BinaryListValues?: (string | Uint8Array)[];
}

export interface CreateQueueInput {
  QueueName: string;
  Attributes?: QueueAttributeMap;
  tags?: Record<string, string>;
}
export interface CreateQueueOutput {
  QueueUrl: string;
}

export interface GetQueueUrlInput {
  QueueName: string;
  QueueOwnerAWSAccountId?: string;
}
export interface GetQueueUrlOutput {
  QueueUrl: string;
}

export interface ListQueuesInput {
  QueueNamePrefix?: string;
  NextToken?: string;
  MaxResults?: number;
}
export interface ListQueuesOutput {
  QueueUrls: string[];
  NextToken?: string;
}

export interface GetQueueAttributesInput {
  QueueUrl: string;
  AttributeNames?: string[];
}
export interface GetQueueAttributesOutput {
  Attributes: QueueAttributeMap;
}

export interface SetQueueAttributesInput {
  QueueUrl: string;
  Attributes: QueueAttributeMap;
}

export interface AddPermissionInput {
  QueueUrl: string;
  Label: string;
  AWSAccountIds: string[];
  Actions: string[];
}
export interface RemovePermissionInput {
  QueueUrl: string;
  Label: string;
}

export interface QueueUrlInput {
  QueueUrl: string;
}

export interface TagQueueInput {
  QueueUrl: string;
  Tags: Record<string, string>;
}
export interface UntagQueueInput {
  QueueUrl: string;
  TagKeys: string[];
}
export interface ListQueueTagsOutput {
  Tags: Record<string, string>;
}

export interface SendMessageInput {
  QueueUrl: string;
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}
export interface SendMessageOutput {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
  SequenceNumber?: string;
}

export interface SendMessageBatchRequestEntry extends Omit<SendMessageInput, 'QueueUrl'> {
  Id: string;
}
export interface SendMessageBatchInput {
  QueueUrl: string;
  Entries: SendMessageBatchRequestEntry[];
}
export interface SendMessageBatchResultEntry extends SendMessageOutput {
  Id: string;
}
export interface BatchResultErrorEntry {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message?: string;
}
export interface SendMessageBatchOutput {
  Successful: SendMessageBatchResultEntry[];
  Failed: BatchResultErrorEntry[];
}

export interface ReceiveMessageInput {
  QueueUrl: string;
  /** Deprecated by AWS in favour of MessageSystemAttributeNames; both are honoured. */
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageAttributeNames?: string[];
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  WaitTimeSeconds?: number;
  ReceiveRequestAttemptId?: string;
}
export interface Message {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
}
/** A message as a receive shows it, read without receiving it (no receipt handle: nothing to delete or hand back). */
export type PeekedMessage = Omit<Message, 'ReceiptHandle'>;
export interface ReceiveMessageOutput {
  Messages: Message[];
}

export interface DeleteMessageInput {
  QueueUrl: string;
  ReceiptHandle: string;
}
export interface DeleteMessageBatchInput {
  QueueUrl: string;
  Entries: { Id: string; ReceiptHandle: string }[];
}
export interface BatchOutput {
  Successful: { Id: string }[];
  Failed: BatchResultErrorEntry[];
}

export interface ChangeMessageVisibilityInput {
  QueueUrl: string;
  ReceiptHandle: string;
  VisibilityTimeout: number;
}
export interface ChangeMessageVisibilityBatchInput {
  QueueUrl: string;
  Entries: { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[];
}

export interface ListDeadLetterSourceQueuesInput {
  QueueUrl: string;
  NextToken?: string;
  MaxResults?: number;
}
export interface ListDeadLetterSourceQueuesOutput {
  queueUrls: string[];
  NextToken?: string;
}

export interface StartMessageMoveTaskInput {
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
}
export interface StartMessageMoveTaskOutput {
  TaskHandle: string;
}
export interface CancelMessageMoveTaskInput {
  TaskHandle: string;
}
export interface CancelMessageMoveTaskOutput {
  ApproximateNumberOfMessagesMoved: number;
}
export interface ListMessageMoveTasksInput {
  SourceArn: string;
  MaxResults?: number;
}
export type MessageMoveTaskStatus = 'RUNNING' | 'FAILED' | 'CANCELLING' | 'CANCELLED' | 'COMPLETED';
export interface ListMessageMoveTasksResultEntry {
  TaskHandle?: string;
  Status: MessageMoveTaskStatus;
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  FailureReason?: string;
  StartedTimestamp: number;
}
export interface ListMessageMoveTasksOutput {
  Results: ListMessageMoveTasksResultEntry[];
}

// biome-ignore lint/complexity/noBannedTypes: AWS answers these operations with an empty JSON object.
export type EmptyOutput = {};
