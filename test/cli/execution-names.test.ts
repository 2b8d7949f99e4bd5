import { describe, expect, it } from 'vitest';
import { ENV } from '../../contracts/wiring.js';
import { executionNameFor, idempotencyKeyOf, OrderPlaced, registrySchema } from '../../domain/index.js';
import type { CloudAssembly } from '../../inspect/assembly.js';
import { candidateExecutionNames } from '../../inspect/execution-names.js';

/** A workflow's trigger as the template holds it: a rule to the starter's queue, its mapping, the starter naming its state machine. */
function workflowAssembly(): CloudAssembly {
  const resource = (logicalId: string, type: string, properties: Record<string, unknown>) => ({
    stackName: 'App',
    logicalId,
    type,
    properties,
  });
  const resources = [
    resource('Schema', 'AWS::EventSchemas::Schema', { Type: 'JSONSchemaDraft4', Content: JSON.stringify(registrySchema(OrderPlaced)) }),
    resource('Starter', 'AWS::Lambda::Function', { Environment: { Variables: { [ENV.stateMachineArn]: { Ref: 'Saga' } } } }),
    resource('Mapping', 'AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: 'Starter' },
      EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
    }),
    resource('Rule', 'AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['OrderPlaced'] },
      Targets: [{ Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
    }),
  ];
  return { dir: '/nowhere', stacks: [{ stackName: 'App', resources }] };
}

describe('candidateExecutionNames', () => {
  it('names the execution a trigger event holding the id starts, as the workflow starter names it', () => {
    const expected = executionNameFor(OrderPlaced, idempotencyKeyOf(OrderPlaced, { id: 'unused', detail: { orderId: 'O-1' } }));
    const names = candidateExecutionNames(workflowAssembly(), 'O-1');
    expect(names).toContainEqual({ name: expected, detailType: 'OrderPlaced', field: 'orderId', flows: ['Saga'] });
  });

  it('names no execution for an empty id, which no event is keyed on', () => {
    expect(candidateExecutionNames(workflowAssembly(), '')).toEqual([]);
  });
});
