import { apiOperations } from '../service-registry/operation-table.js';
import { scheduleLine } from '../service-registry/report-lines.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { schedulerDefinitions } from './definitions.js';
import { schedulerIam } from './iam-authorizations.js';
import { SCHEDULER_TYPE_SPECS } from './resource-types.js';
import { SchedulerApi, schedulerProtocol } from './scheduler-api.js';
import { SchedulerService } from './scheduler-service.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    scheduler: SchedulerService;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    scheduler: 'scheduler';
  }
}

/** EventBridge Scheduler: the template's schedules and groups, firing to the local services (it stops before them, so nothing fires into a stopped service). */
export const schedulerModule: ServiceModule<'scheduler', ReturnType<typeof schedulerDefinitions>> = {
  name: 'scheduler',
  iam: schedulerIam,
  // The operations it serves are SchedulerApi's methods.
  apis: [{ model: 'scheduler', operations: apiOperations(SchedulerApi), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-scheduler', serviceId: 'Scheduler' }],
  needs: ['iam', 'events', 'sqs', 'sns', 'lambda', 'states', 'kinesis'],
  databases: ['scheduler'],
  resourceTypes: SCHEDULER_TYPE_SPECS,
  definitions: (app, { region, accountId, clock }) => schedulerDefinitions(app, { region, accountId, now: clock.now() }),
  create({ settings, database, services }, template) {
    const { clock, accountId, region, log } = settings;
    const lambda = services.get('lambda');
    const scheduler = new SchedulerService({
      db: database('scheduler'),
      clock,
      accountId,
      region,
      schedules: template.schedules,
      groups: template.groups,
      targets: {
        events: services.get('events'),
        sqs: services.get('sqs'),
        sns: services.get('sns'),
        lambda: { invokeAsync: (fn: string, event: unknown) => lambda.invokeAsync(fn, event) },
        states: services.get('states'),
        kinesis: { PutRecord: (input) => services.get('kinesis').api.PutRecord(input) },
      },
      log: (line) => log(`[scheduler] ${line}`),
      // Scheduler invokes each target as the target's execution role (RoleArn), a session of its own per schedule.
      authorize: async (target, scheduleArn) => {
        const from = { kind: 'role', roleArn: target.RoleArn, sessionName: scheduleArn.split('/').pop() ?? 'schedule' } as const;
        const refusal = await services
          .get('iam')
          .authorizeDelivery(from, target.Arn, { arn: scheduleArn, account: accountId }, `schedule ${scheduleArn}`);
        return refusal?.message;
      },
    });
    return {
      service: scheduler,
      mounts: { rest: [schedulerProtocol(new SchedulerApi(scheduler, { clock, region, accountId }))] },
      start: () => scheduler.start(),
      stop: () => scheduler.stop(),
    };
  },
  report: (scheduler) => ({
    serves: scheduler.outlook().map((s) =>
      scheduleLine({
        label: `schedule ${s.group}/${s.name}`,
        expression: s.expression,
        timeZone: s.timeZone,
        enabled: s.state === 'ENABLED',
        ...(s.next === undefined ? {} : { next: s.next }),
      }),
    ),
  }),
};
