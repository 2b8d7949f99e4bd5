import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { TicketCreated } from '../../../domain/index.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { Workflow, type WorkflowTrigger } from '../../../lib/constructs/workflow.js';
import { testStack } from '../../helpers/synth.js';

function workflow(trigger: Partial<WorkflowTrigger>) {
  const { stack, bus } = testStack();
  const flow = new Workflow(stack, 'Flow', {
    eventBus: bus,
    definition: sfn.Pass.jsonata(stack, 'Hello'),
    idempotencyStore: new IdempotencyStore(stack, 'Store'),
    trigger: { description: 'test', eventPattern: { detailType: ['TicketCreated'] }, contracts: [TicketCreated], ...trigger },
  });
  return { flow, template: Template.fromStack(stack) };
}

describe('Workflow starter flow control', () => {
  it("gives the starter the trigger's flowControl: a limit per key on executions started, in the starter's own table", () => {
    const { flow, template } = workflow({
      flowControl: { key: '$.detail.customerId', concurrency: 2, rateLimit: { limit: 30, period: Duration.minutes(1) } },
    });
    expect(flow.starter?.flowControlTable).toBeDefined();
    const starter = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment?.Variables?.STATE_MACHINE_ARN !== undefined,
    );
    expect(JSON.parse(starter?.Properties.Environment.Variables.FLOW_CONTROL)).toMatchObject({
      flow: 'Test/Flow/Starter',
      key: { path: '$.detail.customerId' },
      concurrency: { limit: 2 },
      rateLimit: { limit: 30, periodSeconds: 60 },
    });
  });

  it("makes the starter's queue fair by the trigger's fairBy", () => {
    const { template } = workflow({ fairBy: '$.detail.customerId' });
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.EventPattern['detail-type']?.[0] === 'TicketCreated',
    );
    expect(rule?.Properties.Targets[0].SqsParameters).toEqual({ MessageGroupId: '$.detail.customerId' });
  });

  it('fails if a starter limit is 0, naming the starter', () => {
    expect(() => workflow({ flowControl: { key: '$.detail.customerId', concurrency: 0 } })).toThrow(
      'Test/Flow/Starter: flowControl.concurrency must be from 1 to 100 (got 0)',
    );
  });

  it("fails if the starter's key path cannot match the trigger's contracts", () => {
    expect(() => workflow({ flowControl: { key: '$.detail.tenantId', concurrency: 1 } })).toThrow(
      'Test/Flow/Starter: flowControl.key "$.detail.tenantId" cannot match the consumer\'s contracts (TicketCreated)',
    );
    expect(() => workflow({ fairBy: '$.detail.tenantId' })).toThrow('Test/Flow/Starter: fairBy "$.detail.tenantId" cannot match');
  });
});
