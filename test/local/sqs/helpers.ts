import { type Clock, ManualClock } from '../../../local/clock.js';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const BASE_URL = 'http://127.0.0.1:4566';

export function arnOf(name: string): string {
  return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
}

/** A service on a fresh database (`:memory:` unless a file is given). */
export function createSqs<C extends Clock = ManualClock>(options: { clock?: C; file?: string } = {}) {
  const clock = (options.clock ?? new ManualClock()) as C;
  const db = openDatabase(options.file ?? ':memory:');
  const sqs = new SqsService({ db, clock, baseUrl: BASE_URL, accountId: ACCOUNT, region: REGION });
  return {
    sqs,
    clock,
    db,
    close() {
      sqs.close();
      db.close();
    },
  };
}

export async function counts(sqs: SqsService, QueueUrl: string) {
  const { Attributes } = await sqs.GetQueueAttributes({
    QueueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
  });
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}
