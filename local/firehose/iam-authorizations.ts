import { arnOf, type Input, type OperationContext, serviceIam } from '../iam/authorizations.js';

/** The delivery stream a request names. */
const stream = (input: Input, context: OperationContext) =>
  arnOf('firehose', context, `deliverystream/${String(input.DeliveryStreamName)}`);

/** Amazon Data Firehose: each operation is the action of its name on the delivery stream it names. */
export const firehoseIam = serviceIam('firehose', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListDeliveryStreams'],
  sameNamed: {
    PutRecord: stream,
    PutRecordBatch: stream,
    DescribeDeliveryStream: stream,
  },
});
