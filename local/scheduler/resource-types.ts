import { arn, EVENTS_NAME, type TypeSpecs, text } from '../template/resource-spec.js';

/** EventBridge Scheduler's resource types as the template loader names them (its module declares them). */
export const SCHEDULER_TYPE_SPECS: TypeSpecs = {
  'AWS::Scheduler::Schedule': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: { Arn: arn(input, 'scheduler', `schedule/${text(input.properties, 'GroupName') ?? 'default'}/${name}`) },
    }),
  },
  'AWS::Scheduler::ScheduleGroup': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'scheduler', `schedule-group/${name}`) } }),
  },
};
