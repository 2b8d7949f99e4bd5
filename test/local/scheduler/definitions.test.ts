import { describe, expect, it } from 'vitest';
import { schedulerDefinitions } from '../../../local/scheduler/definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { sqsQueue } from '../template-resources.js';

const WHERE = { region: 'us-east-1', accountId: '000000000000', now: Date.UTC(2026, 0, 1) };
const ACCOUNT = 'arn:aws:events:us-east-1:000000000000';

function warningsOf(resources: Record<string, TemplateResource>): string[] {
  const app = loadApp({ cdkOut: assemblyOf(resources, 'S'), baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES });
  return schedulerDefinitions(app, WHERE).warnings;
}

/** A schedule putting events on `target`, as CfnSchedule with EventBridgeParameters writes it. */
function scheduleTo(target: unknown): TemplateResource {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: target, RoleArn: `arn:aws:iam::000000000000:role/r`, EventBridgeParameters: { DetailType: 'd', Source: 's' } },
    },
  };
}

describe('schedulerDefinitions', () => {
  it('names a target bus the app only imports: its firings are dropped until a bus of that name is created', () => {
    // EventBus.fromEventBusName(this, 'bus', 'MyCustomBus') writes the ARN with the pseudo parameters.
    const imported = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/MyCustomBus'],
      ],
    };
    const warnings = warningsOf({ Schedule: scheduleTo(imported) });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^S\/Schedule \(AWS::Scheduler::Schedule\): its target arn:aws:events:us-east-1:000000000000:event-bus\/MyCustomBus is not in the app .*dropped.*aws events create-event-bus --name MyCustomBus/,
      ),
    ]);
  });

  it('names a queue the app does not declare as a target whose firings fail until it is created', () => {
    const warnings = warningsOf({ Schedule: scheduleTo('arn:aws:sqs:us-east-1:000000000000:elsewhere') });
    expect(warnings).toEqual([
      expect.stringMatching(/its target .*:elsewhere is not in the app .*ResourceNotFoundException.*dead-letter queue/),
    ]);
  });

  it("is silent on a target the app declares, on a function's alias, and on the default bus", () => {
    const bus = { Type: 'AWS::Events::EventBus', Properties: { Name: 'Mine' } };
    const fn = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: 'exports.handler = async () => {}' },
        Role: 'arn:aws:iam::000000000000:role/r',
      },
    };
    const warnings = warningsOf({
      Bus: bus,
      Queue: sqsQueue('q'),
      Fn: fn,
      ToBus: scheduleTo({ 'Fn::GetAtt': ['Bus', 'Arn'] }),
      ToQueue: scheduleTo({ 'Fn::GetAtt': ['Queue', 'Arn'] }),
      ToAlias: scheduleTo({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':live']] }),
      ToDefault: scheduleTo(`${ACCOUNT}:event-bus/default`),
    });
    expect(warnings).toEqual([]);
  });
});
