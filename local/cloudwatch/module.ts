import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import type { LoadedApp } from '../template/load.js';
import { templateAlarms } from './alarms.js';
import { CloudWatchService } from './cloudwatch-service.js';
import { cloudWatchIam } from './iam-authorizations.js';
import { cloudWatchProtocols } from './protocols.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    cloudwatch: CloudWatchService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    cloudwatch: 'cloudwatch';
  }
}

/**
 * What runs differently from AWS, said at start-up when the app reads or writes metrics: it has
 * alarms or dashboards, or grants a `cloudwatch:` action (an app that never touches CloudWatch
 * is told nothing of it).
 */
export const METRICS_DIFFERENCES =
  "CloudWatch metrics hold only what the app publishes (PutMetricData, embedded metric format lines in its logs): AWS's own namespaces (AWS/Lambda, AWS/SQS, AWS/States, AWS/ApiGateway, AWS/DynamoDB, AWS/Events, AWS/Logs and the others) are not published locally, and GetMetricData evaluates no metric math or Metrics Insights query";

/** CloudWatch's metrics (`monitoring`): what the app puts and embeds in its logs, and its template's alarms, never evaluated. */
export const cloudWatchModule: ServiceModule<'cloudwatch'> = {
  name: 'cloudwatch',
  iam: cloudWatchIam,
  // The operations it serves are CloudWatchService's methods.
  apis: [{ model: 'cloudwatch', operations: apiOperations(CloudWatchService), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-cloudwatch', serviceId: 'CloudWatch' }],
  // Logs: the embedded metric format events functions write are read as they are stored, and metric filters publish here.
  needs: ['template', 'logs'],
  databases: ['cloudwatch'],
  create({ settings, database, services, warn }) {
    const { clock, accountId, region, log } = settings;
    const { app } = services.get('template');
    const alarms = templateAlarms(app, accountId, region, clock.now());
    const cloudwatch = new CloudWatchService({
      db: database('cloudwatch'),
      clock,
      accountId,
      region,
      alarms,
      log: (line) => log(`[cloudwatch] ${line}`),
    });
    const logs = services.get('logs');
    logs.onEvents((group, _stream, events) => cloudwatch.extractEmbedded(group, events));
    // Metric filters publish as PutMetricData does, checked and stored as the API's data are, once per publication.
    logs.metricFilters.publishTo((requestId, request) => cloudwatch.putMetricDataOnce(requestId, request));
    const protocols = cloudWatchProtocols(cloudwatch);
    return {
      service: cloudwatch,
      mounts: { query: [protocols.query], json: [protocols.json], rest: [protocols.cbor] },
      start: () => {
        cloudwatch.start();
        if (alarms.length > 0 || usesMetrics(app)) warn([METRICS_DIFFERENCES]);
      },
    };
  },
  report: (cloudwatch) => ({ counts: { alarms: cloudwatch.alarmCount } }),
};

/** Whether the app's template declares CloudWatch resources (dashboards, alarms) or grants a `cloudwatch:` action in a policy. */
function usesMetrics(app: LoadedApp): boolean {
  return app.stacks.some((stack) =>
    stack.resources.some(
      (r) =>
        r.type.startsWith('AWS::CloudWatch::') ||
        (r.type.startsWith('AWS::IAM::') && JSON.stringify(r.properties).includes('"cloudwatch:')),
    ),
  );
}
