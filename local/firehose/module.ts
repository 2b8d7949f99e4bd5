import { modelValidator } from '../endpoint/validation/validator.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { firehoseDefinitions } from './definitions.js';
import { bucketOf, type DeliveryStreamDefinition } from './delivery.js';
import { FirehoseService } from './firehose-service.js';
import { firehoseIam } from './iam-authorizations.js';
import { FIREHOSE_TYPE_SPECS } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    firehose: FirehoseService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    firehose: 'firehose';
  }
}

/** What the report says of a stream: where it delivers, when it flushes, through what. */
function describeStream(s: DeliveryStreamDefinition): string {
  const processor = s.processor ? `, through ${s.processor.lambdaArn.split(':').at(-1)}` : '';
  return `${s.name} → s3://${bucketOf(s.bucketArn)}/${s.prefix ?? ''} (flushed every ${s.intervalSeconds} s or at ${s.sizeMb} MB${processor})`;
}

/**
 * Amazon Data Firehose: the template's DirectPut delivery streams to S3, their buffered
 * records in `firehose.sqlite`, delivered through their Lambda processors as S3 objects.
 */
export const firehoseModule: ServiceModule<'firehose', ReturnType<typeof firehoseDefinitions>> = {
  name: 'firehose',
  needs: ['template', 'iam', 's3', 'lambda'],
  iam: firehoseIam,
  apis: [{ model: 'firehose', operations: apiOperations(FirehoseService) }],
  sdkClients: [{ package: '@aws-sdk/client-firehose', serviceId: 'Firehose' }],
  databases: ['firehose'],
  resourceTypes: FIREHOSE_TYPE_SPECS,
  definitions: firehoseDefinitions,
  // Its definitions' `warnings` join the start-up warnings through the registry (said once, not again here).
  create({ settings, database, services }, definitions) {
    const { clock, accountId, region, log } = settings;
    const firehose = new FirehoseService({
      db: database('firehose'),
      clock,
      accountId,
      region,
      targets: {
        // S3's PutObject commits the object before it returns: the flush deletes the records after it.
        putObject: (Bucket, Key, Body) => {
          services.get('s3').s3.PutObject({ Bucket, Key, Body }, { requestId: 'firehose-delivery', sourceIp: '127.0.0.1' });
        },
        invoke: async (fn, event) => {
          const outcome = await services.get('lambda').invoke(fn, event);
          return outcome.ok ? { ok: true, payload: outcome.payload } : { ok: false, error: JSON.stringify(outcome.error) };
        },
      },
      // A flush that could not write its object (the bucket is gone) stays buffered and is tried again, as Firehose retries S3.
      onError: (error) => log(`firehose: ${error.message}; tried again in a minute`),
      log,
    });
    firehose.declare(definitions.streams);
    return {
      service: firehose,
      mounts: {
        json: [
          { targetPrefix: 'Firehose_20150804', jsonVersion: '1.1', operations: firehose.operations, validate: modelValidator('firehose') },
        ],
      },
      start: () => firehose.start(),
      stop: () => firehose.stop(),
    };
  },
  report: (firehose) => {
    const streams = firehose.streams();
    return {
      counts: { 'Firehose streams': streams.length },
      ...(streams.length === 0
        ? {}
        : {
            lines: [
              `  firehose streams: ${streams.map(describeStream).join('; ')}; records buffered in the data folder until their flush (BufferingHints honoured as given)`,
            ],
          }),
    };
  },
};
