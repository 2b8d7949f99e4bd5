import {
  ANY,
  arnOf,
  type Input,
  type OperationContext,
  type OperationTable,
  on,
  type ResourceOf,
  type ServiceIam,
  sameNamed,
  text,
} from '../iam/authorizations.js';

const schedule: ResourceOf = (input, context) =>
  arnOf('scheduler', context, `schedule/${text(input.GroupName) ?? 'default'}/${text(input.Name) ?? '*'}`);
const group: ResourceOf = (input, context) => arnOf('scheduler', context, `schedule-group/${text(input.Name) ?? '*'}`);

/** Creating or updating a schedule passes its target's role: iam:PassRole on it, as AWS checks. */
function withRole(action: string) {
  return (input: Input, context: OperationContext) => {
    const role = text((input.Target as Input | undefined)?.RoleArn);
    return [
      on(action, schedule(input, context)),
      ...(role ? [on('iam:PassRole', role, { 'iam:PassedToService': 'scheduler.amazonaws.com' })] : []),
    ];
  };
}

/** EventBridge Scheduler: each operation is the action of its name on the schedule (in its group, `default` when none) or group. */
const schedulerAuthorizations: OperationTable = {
  ...sameNamed('scheduler', {
    GetSchedule: schedule,
    DeleteSchedule: schedule,
    CreateScheduleGroup: group,
    GetScheduleGroup: group,
    DeleteScheduleGroup: group,
    ListSchedules: ANY,
    ListScheduleGroups: ANY,
  }),
  CreateSchedule: withRole('scheduler:CreateSchedule'),
  UpdateSchedule: withRole('scheduler:UpdateSchedule'),
};

/** How IAM authorizes scheduler's requests (its module declares it). */
export const schedulerIam: ServiceIam = {
  prefix: 'scheduler',
  operations: schedulerAuthorizations,
  accessDenied: { code: 'AccessDeniedException', status: 403 },
};
