import { arnOf, type Input, passingRole, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

const schedule: ResourceOf = (input, context) =>
  arnOf('scheduler', context, `schedule/${text(input.GroupName) ?? 'default'}/${text(input.Name) ?? '*'}`);
const group: ResourceOf = (input, context) => arnOf('scheduler', context, `schedule-group/${text(input.Name) ?? '*'}`);
/** The schedule group a tag operation's ResourceArn names (the one resource Scheduler tags). */
const tagged: ResourceOf = (input, context) => text(input.ResourceArn) ?? arnOf('scheduler', context, 'schedule-group/*');

/** Creating or updating a schedule passes its target's role. */
const withRole = (operation: string) =>
  passingRole('scheduler', operation, schedule, (input) => text((input.Target as Input | undefined)?.RoleArn));

/**
 * How IAM authorizes EventBridge Scheduler's requests (its module declares it): each operation
 * is the action of its name on the schedule (in its group, `default` when none) or group (a tag
 * operation's: the group its ResourceArn names).
 */
export const schedulerIam = serviceIam('scheduler', {
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  unscoped: ['ListSchedules', 'ListScheduleGroups'],
  sameNamed: {
    GetSchedule: schedule,
    DeleteSchedule: schedule,
    CreateScheduleGroup: group,
    GetScheduleGroup: group,
    DeleteScheduleGroup: group,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: { CreateSchedule: withRole('CreateSchedule'), UpdateSchedule: withRole('UpdateSchedule') },
});
