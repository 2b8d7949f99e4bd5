import { parseArn } from '../arn.js';
import type { ServiceModule } from '../services/service-module.js';
import { PIPES_RESOURCE_TYPES, pipeDefinitions } from './definitions.js';
import { PipesService } from './pipes-service.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    pipes: PipesService;
  }
}

/** EventBridge Pipes (and Lambda mappings) with DynamoDB stream sources. */
export const pipesModule: ServiceModule<'pipes', ReturnType<typeof pipeDefinitions>> = {
  name: 'pipes',
  needs: ['dynamodb', 'lambda', 'events', 'sqs', 'states'],
  databases: ['pipes'],
  resourceTypes: PIPES_RESOURCE_TYPES,
  definitions: pipeDefinitions,
  create({ settings, database, services }, template) {
    const { clock, log, options } = settings;
    const streams = services.get('dynamodb').streams;
    const sqs = services.get('sqs');
    const pipes = new PipesService({
      db: database('pipes'),
      clock,
      pipes: template.pipes,
      source: {
        readAfter: (arn, after, limit) => streams.readAfter(arn, after, limit),
        latestPosition: (arn) => streams.store.latestPosition(arn),
        onRecords: (listener) => streams.store.onRecords(listener),
      },
      services: {
        lambda: services.get('lambda'),
        events: services.get('events'),
        sqs: { queueUrlOf: (arn) => sqs.queueUrl(parseArn(arn).resourceId), SendMessage: (input) => sqs.SendMessage(input) },
        states: services.get('states'),
      },
      log: (line) => log(`[pipes] ${line}`),
      ...(options.pipesRetryBaseMs === undefined ? {} : { retryBaseMs: options.pipesRetryBaseMs }),
    });
    return {
      service: pipes,
      start: () => pipes.start(),
      // First of all (it needs every service it delivers to): the batch in flight finishes, and its position is committed, while its target still runs.
      stop: () => pipes.stop(),
    };
  },
};
