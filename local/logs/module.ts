import type { ServiceModule } from '../service-registry/service-module.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { resourceChanges } from '../template/changes.js';
import { logGroupDefinitions } from './definitions.js';
import { logsIam } from './iam-authorizations.js';
import { validateLogsInput } from './input-validation.js';
import { LogsService } from './logs-service.js';
import { invocationLogReads } from './read-routes.js';
import { LOGS_RESOURCE_TYPES } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    logs: LogsService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    logs: 'logs';
  }
}

/** CloudWatch Logs: the template's log groups; functions, state machines and APIs write here. */
const LOG_GROUPS: ReadonlySet<string> = new Set(['AWS::Logs::LogGroup']);
const FILTERS: ReadonlySet<string> = new Set(['AWS::Logs::SubscriptionFilter', 'AWS::Logs::MetricFilter']);

const FILTER_KINDS: Readonly<Record<string, string>> = {
  'AWS::Logs::SubscriptionFilter': 'subscription filter',
  'AWS::Logs::MetricFilter': 'metric filter',
};

export const logsModule: ServiceModule<'logs', ReturnType<typeof logGroupDefinitions>> = {
  name: 'logs',
  iam: logsIam,
  apis: [
    {
      model: 'logs',
      operations: [
        'CreateLogGroup',
        'DeleteLogGroup',
        'DescribeLogGroups',
        'PutRetentionPolicy',
        'DeleteRetentionPolicy',
        'PutResourcePolicy',
        'DescribeResourcePolicies',
        'DeleteResourcePolicy',
        'ListTagsForResource',
        'ListTagsLogGroup',
        'CreateLogStream',
        'DeleteLogStream',
        'DescribeLogStreams',
        'PutLogEvents',
        'GetLogEvents',
        'FilterLogEvents',
        'PutSubscriptionFilter',
        'DescribeSubscriptionFilters',
        'DeleteSubscriptionFilter',
        'PutMetricFilter',
        'DescribeMetricFilters',
        'DeleteMetricFilter',
        'TestMetricFilter',
      ],
    },
  ],
  sdkClients: [{ package: '@aws-sdk/client-cloudwatch-logs', serviceId: 'CloudWatch Logs' }],
  databases: ['logs'],
  // Log streams and CDK's log retention resource are accepted with nothing to run.
  resourceTypes: LOGS_RESOURCE_TYPES,
  // A new group or stream is created as at start; one that exists keeps what was set at runtime (as `declare` does).
  // A filter (subscription or metric) is created or updated as the template's changes say; one removed keeps running until the next start deletes it.
  reloads: { types: ['AWS::Logs::LogGroup', 'AWS::Logs::LogStream', ...FILTERS] },
  definitions: logGroupDefinitions,
  create({ settings, database, services }, template) {
    const { clock, accountId, region, log } = settings;
    // Functions, streams and delivery streams are created after this service (Lambda writes its logs here): looked up when a delivery is sent.
    let dispatcher: TargetDispatcher | undefined;
    const logs = new LogsService({
      db: database('logs'),
      clock,
      accountId,
      region,
      dispatcher: () => {
        dispatcher ??= new TargetDispatcher({
          lambda: services.get('lambda'),
          kinesis: { PutRecord: (input) => services.get('kinesis').api.PutRecord(input) },
          firehose: { PutRecord: (input) => services.get('firehose').PutRecord(input) },
        });
        return dispatcher;
      },
      log: (line) => log(`[logs] ${line}`),
    });
    logs.declare(template.groups);
    logs.declareSubscriptionFilters(template.subscriptionFilters);
    logs.declareMetricFilters(template.metricFilters);
    return {
      service: logs,
      mounts: {
        json: [
          {
            targetPrefix: 'Logs_20140328',
            jsonVersion: '1.1',
            operations: logs.operations,
            validate: validateLogsInput,
          },
        ],
        reads: invocationLogReads(logs),
      },
      reload: ({ app, before }) => {
        const definitions = logGroupDefinitions(app);
        logs.declare(definitions.groups);
        logs.declareSubscriptionFilters(definitions.subscriptionFilters, { removeOthers: false });
        logs.declareMetricFilters(definitions.metricFilters, { removeOthers: false });
        const created = resourceChanges(before.app, app, LOG_GROUPS).filter(({ how }) => how === 'new');
        const filters = resourceChanges(before.app, app, FILTERS);
        return {
          reloaded: [
            ...created.map(({ resource }) => `log group ${resource.physicalName} (new)`),
            ...filters
              .filter(({ how }) => how !== 'removed')
              .map(({ resource, how }) => `${FILTER_KINDS[resource.type]} ${resource.physicalName} (${how})`),
          ],
        };
      },
      start: () => logs.start(),
      stop: () => logs.stop(),
    };
  },
};
