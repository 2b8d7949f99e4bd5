import { type QueueMessagesPage, READ_API_PATHS, type RetryingMessagesPage } from '../../clients/read-api-contract.js';
import { isSequence, only, pageOf, ReadApiFailure, type ServiceReads, sendJson } from '../read-api/routes.js';
import type { SqsService } from './sqs-service.js';

/**
 * What SQS adds to the read API: `/queue-messages?queueUrl=`, a queue's messages read without
 * being received (their receive count stays, nothing turns invisible), and `/retrying-messages`,
 * the records consumers failed that are still to be delivered again; AWS has no read for either.
 */
export function queueMessagesReads(sqs: Pick<SqsService, 'peekMessages' | 'retryingMessages'>): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.queueMessages,
        handle({ query, res }) {
          only(query, ['queueUrl', 'limit', 'nextToken']);
          const queueUrl = query.get('queueUrl');
          if (!queueUrl) throw new ReadApiFailure(400, 'InvalidParameter', 'queueUrl is required: the URL of the queue to read');
          const list = READ_API_PATHS.queueMessages;
          const filters = { queueUrl };
          const page = pageOf(query, list, filters, isSequence);
          const found = sqs.peekMessages(queueUrl, page.limit, page.position);
          if (found === undefined) throw new ReadApiFailure(404, 'NotFound', `no queue ${queueUrl}`);
          const answer: QueueMessagesPage = { messages: found.messages, ...page.next(found.last) };
          sendJson(res, 200, answer);
        },
      },
      {
        path: READ_API_PATHS.retryingMessages,
        handle({ query, res }) {
          only(query, []);
          const page: RetryingMessagesPage = { messages: sqs.retryingMessages() };
          sendJson(res, 200, page);
        },
      },
    ],
  };
}
