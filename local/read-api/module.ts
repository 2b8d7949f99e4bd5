import { durableSettings } from '../lambda/durable/durable-executions.js';
import type { ServiceModule } from '../services/service-module.js';
import { localFlowControlSources } from './flow-control.js';
import { type LogEventsSource, logReaderFrom } from './lineage.js';
import { ReadApi } from './read-api.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    readApi: ReadApi;
  }
}

/**
 * The read API: every service tells it what happens; it answers under READ_API_PREFIX.
 * Created before the services that report to it; the ones it asks (SQS, Step Functions)
 * are looked up when a request asks.
 */
export const readApiModule: ServiceModule<'readApi'> = {
  name: 'readApi',
  needs: ['template', 'logs'],
  // Accepted events are recorded in the bus's own transaction, so their records live in its database.
  databases: ['read-api', 'events'],
  create({ settings, database, services }) {
    const { clock, options } = settings;
    const template = services.get('template');
    const { deadLetterQueues } = template;
    // Asked when a request asks: SQS is created after the read API, and a reload replaces the definitions.
    const flowControl = localFlowControlSources({
      url: settings.url,
      region: settings.region,
      credentials: settings.credentials,
      functions: () => template.definitions.functions,
      queues: () => template.definitions.queues,
      logs: () => services.get('logs'),
      sqs: () => services.get('sqs'),
      now: () => clock.now(),
    });
    const readApi = new ReadApi({
      db: database('read-api'),
      eventsDb: database('events'),
      retention: options.eventRecords,
      now: () => clock.now(),
      expressExecutions: () => services.get('states').expressExecutions(),
      isDeadLetterQueue: (arn) => deadLetterQueues.has(arn) || services.get('sqs').isDeadLetterQueue(arn),
      logs: logReaderFrom(services.get('logs') as unknown as LogEventsSource),
      flowControl,
      // Asked when a request asks, as above: Lambda is created after the read API.
      modelCalls: (query) => services.get('bedrock')?.calls.page(query) ?? { calls: [] },
      iam: () => services.get('iam').report(),
      // Asked when a request asks, as above: SES is created after the read API.
      mail: {
        list: (query) => services.get('ses').mailView.list(query),
        message: (id) => services.get('ses').mailView.message(id),
        raw: (id) => services.get('ses').mailbox.get(id)?.raw,
      },
      // Asked when a request asks, as above: SQS is created after the read API.
      queueMessages: ({ queueUrl, limit, after }) => services.get('sqs').peekMessages(queueUrl, limit, after),
      traces: () => services.get('traces')?.readable(),
      durable: {
        executions: () => services.get('lambda')?.durable,
        functionNames: () => template.definitions.functions.filter((fn) => durableSettings(fn) !== undefined).map((fn) => fn.name),
      },
    });
    return {
      service: readApi,
      mounts: { readApi: readApi.router },
      stop: () => {
        flowControl.close();
        readApi.close();
      },
    };
  },
};
