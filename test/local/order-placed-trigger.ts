import type { TemplateResource } from '../../local/template/cloud-assembly.js';
import { arnOf, eventSourceMapping } from './template-resources.js';

/** The OrderPlaced contract as an app's registry publishes it: keyed on its one required string field, orderId. */
export const ORDER_PLACED_SCHEMA = {
  title: 'OrderPlaced',
  type: 'object',
  properties: {
    'detail-type': { type: 'string', enum: ['OrderPlaced'] },
    source: { type: 'string', enum: ['shop'] },
    detail: { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } },
  },
};

/**
 * What lets an id alone name a flow's executions, as a Workflow's trigger is synthesized: the
 * registry's OrderPlaced schema, and the workflow starter `starter` (whose environment names
 * the flow it starts) draining `<prefix>StarterQueue`, which the rule `<prefix>Trigger` fills
 * with OrderPlaced events.
 */
export function orderPlacedTrigger(prefix: string, starter: TemplateResource): Record<string, TemplateResource> {
  return {
    Schema: { Type: 'AWS::EventSchemas::Schema', Properties: { Type: 'JSONSchemaDraft4', Content: JSON.stringify(ORDER_PLACED_SCHEMA) } },
    [`${prefix}StarterQueue`]: { Type: 'AWS::SQS::Queue', Properties: {} },
    [`${prefix}Starter`]: starter,
    [`${prefix}StarterMapping`]: eventSourceMapping(`${prefix}StarterQueue`, `${prefix}Starter`),
    [`${prefix}Trigger`]: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { 'detail-type': ['OrderPlaced'] }, Targets: [{ Id: 'starter', Arn: arnOf(`${prefix}StarterQueue`) }] },
    },
  };
}
