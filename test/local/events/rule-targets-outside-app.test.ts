import { describe, expect, it } from 'vitest';
import { ruleTargetsOutsideApp } from '../../../local/events/definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf, tempAssemblyDir, writeAssembly } from '../assembly.js';
import { eventRule, sqsQueue } from '../template-resources.js';

function warningsOf(resources: Record<string, TemplateResource>): string[] {
  return ruleTargetsOutsideApp(loadApp({ cdkOut: assemblyOf(resources, 'S'), baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
}

/** A rule on the default bus with these targets. */
const ruleTo = (...arns: unknown[]): TemplateResource =>
  eventRule({ pattern: { source: ['app'] }, targets: arns.map((Arn, index) => ({ Id: `T${index}`, Arn })) });

describe('ruleTargetsOutsideApp', () => {
  it('names a target the app only imports (a queue by ARN), whose deliveries fail until it is created', () => {
    const warnings = warningsOf({ Rule: ruleTo('arn:aws:sqs:us-east-1:000000000000:elsewhere') });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^S\/Rule \(AWS::Events::Rule\): target T0 \(arn:aws:sqs:us-east-1:000000000000:elsewhere\) is not in the app .*dead-letter queue at once, as EventBridge sends an event whose target is gone, until it is created here/,
      ),
    ]);
  });

  it('is silent on targets the app declares and on the default bus', () => {
    const warnings = warningsOf({
      Queue: sqsQueue('q'),
      Rule: ruleTo({ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'arn:aws:events:us-east-1:000000000000:event-bus/default'),
    });
    expect(warnings).toEqual([]);
  });

  it("is silent on a target that spells out the ARN of the stack's own resource in the account and region it was synthesized for", () => {
    // CDK's CloudWatchLogGroup target in a stack with env { account, region } (aws-cdk-examples' eventbridge-mesh).
    const template = {
      Resources: {
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
        Rule: ruleTo({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:', { Ref: 'Logs' }]] }),
      },
    };
    const cdkOut = writeAssembly(tempAssemblyDir(), { S: { template, environment: 'aws://111111111111/eu-west-1' } });
    const app = loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES });
    expect(ruleTargetsOutsideApp(app)).toEqual([]);
    // Another account's log group of that name is still not the app's.
    const other = { Resources: { ...template.Resources, Rule: ruleTo('arn:aws:logs:eu-west-1:222222222222:log-group:S-Logs') } };
    const elsewhere = loadApp({
      cdkOut: writeAssembly(tempAssemblyDir(), { S: { template: other, environment: 'aws://111111111111/eu-west-1' } }),
      baseUrl: 'http://127.0.0.1:4566',
      types: TEMPLATE_TYPES,
    });
    expect(ruleTargetsOutsideApp(elsewhere)).toEqual([
      expect.stringContaining('target T0 (arn:aws:logs:eu-west-1:222222222222:log-group:S-Logs) is not in the app'),
    ]);
  });
});
