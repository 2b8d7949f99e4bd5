import type { OperationAuthorization } from '../iam/authorizations.js';
import type { IamCheck } from '../iam/iam-check.js';
import { apiOperations } from '../service-registry/operation-table.js';
import { scheduleLine } from '../service-registry/report-lines.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import type { StatesService } from '../states/states-service.js';
import { schedulerDefinitions } from './definitions.js';
import { schedulerIam } from './iam-authorizations.js';
import { schedulerReads } from './read-routes.js';
import { SCHEDULER_TYPE_SPECS } from './resource-types.js';
import { SchedulerApi, schedulerProtocol } from './scheduler-api.js';
import { SchedulerService } from './scheduler-service.js';
import { universalTargetOf } from './universal-targets.js';

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
  needs: ['iam', 'events', 'sqs', 'sns', 'lambda', 'states', 'kinesis', 'firehose'],
  databases: ['scheduler'],
  resourceTypes: SCHEDULER_TYPE_SPECS,
  definitions: (app, { region, accountId, clock }) => schedulerDefinitions(app, { region, accountId, now: clock.now() }),
  create({ settings, database, services, warn }, template) {
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
        firehose: { PutRecord: (input) => services.get('firehose').PutRecord(input) },
        // Step Functions is created after this service: its AWS SDK integrations are looked up when a universal target fires.
        universal: () => services.get('states').sdkIntegrations,
      },
      log: (line) => log(`[scheduler] ${line}`),
      // Scheduler invokes each target as the target's execution role (RoleArn), a session of its own per schedule.
      authorize: async (target, scheduleArn) => {
        const iam = services.get('iam');
        const from = { kind: 'role', roleArn: target.RoleArn, sessionName: scheduleArn.split('/').pop() ?? 'schedule' } as const;
        const universal = universalTargetOf(target.Arn);
        // A universal target's role needs the action itself ("must have the permissions to call the API operation"), as an aws-sdk task's.
        const refusal = universal
          ? await iam.authorize(
              from,
              universalAuthorizations(iam, services.get('states'), universal, target.Input),
              `schedule ${scheduleArn}`,
            )
          : await iam.authorizeDelivery(from, target.Arn, { arn: scheduleArn, account: accountId }, `schedule ${scheduleArn}`);
        return refusal?.message;
      },
    });
    return {
      service: scheduler,
      mounts: { rest: [schedulerProtocol(new SchedulerApi(scheduler, { clock, region, accountId }))], reads: schedulerReads(scheduler) },
      start: () => {
        warn(scheduler.universalTargetWarnings());
        scheduler.start();
      },
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

/**
 * What IAM checks for a universal target's call: the action as an aws-sdk task's (its module's
 * authorizations of the operation, over the request Input names), for the target's role.
 */
function universalAuthorizations(
  iam: IamCheck,
  states: StatesService,
  target: { readonly service: string; readonly action: string },
  input: string | undefined,
): readonly OperationAuthorization[] {
  let request: unknown = {};
  try {
    request = JSON.parse(input ?? '{}');
  } catch {
    // Not JSON: the firing fails with ValidationException when it calls; IAM checks the action on every resource meanwhile.
  }
  const operation = `${target.action.charAt(0).toUpperCase()}${target.action.slice(1)}`;
  return iam.authorizationsOf(states.sdkIamPrefix(target.service), operation, request);
}
