import { arn, CREATED, EVENTS_NAME, type TypeSpecs, text } from '../template/resource-spec.js';

/** EventBridge Pipes' resource types as the template loader names them (its module declares them). */
export const PIPES_TYPE_SPECS: TypeSpecs = {
  'AWS::Pipes::Pipe': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: arn(input, 'pipes', `pipe/${name}`),
        CurrentState: text(input.properties, 'DesiredState') ?? 'RUNNING',
        StateReason: '',
        CreationTime: CREATED,
        LastModifiedTime: CREATED,
      },
    }),
  },
};
