import path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { CONTRACTS, OrderPlaced, TicketCreated, TicketRouted } from '../../../domain/index.js';
import { EventHub } from '../../../lib/constructs/event-hub.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { TEST_ENV, testApp, testStack } from '../../helpers/synth.js';

function hubTemplate(props: ConstructorParameters<typeof EventHub>[2] = {}) {
  const { stack } = testStack();
  new EventHub(stack, 'Hub', props);
  return Template.fromStack(stack);
}

describe('EventHub', () => {
  it('lets only its own account put events on the bus', () => {
    hubTemplate().hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::111111111111:root'])] } },
      }),
    });
  });

  it('admits the named accounts as well', () => {
    const template = hubTemplate({ allowedAccounts: ['222222222222'] });
    const policies = JSON.stringify(template.findResources('AWS::Events::EventBusPolicy'));
    expect(policies).toContain('222222222222');
    expect(policies).toContain('111111111111');
  });

  it('archives every event for 30 days by default, or the retention given', () => {
    hubTemplate().hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30, EventPattern: { account: ['111111111111'] } });
    hubTemplate({ archiveRetention: Duration.days(90) }).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 90 });
  });

  it('publishes one draft-04 schema per contract to its registry', () => {
    const template = hubTemplate({ contracts: CONTRACTS });
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.resourceCountIs('AWS::EventSchemas::Schema', CONTRACTS.length);
    template.hasResourceProperties('AWS::EventSchemas::Schema', {
      Type: 'JSONSchemaDraft4',
      SchemaName: 'switchyard.helpdesk@TicketCreated',
      Content: Match.stringLikeRegexp('"ticketId"'),
    });
  });

  it("synthesizes without touching a deprecated API, under cdk-nag's AwsSolutions checks too", () => {
    // jsii throws a DeprecationError at any use of a deprecated API instead of printing the
    // warning: cdk-nag 3.0.2's EVB1 reads every bus policy's deprecated `principal`, so every
    // synth of an app with the README's checks printed it.
    const before = process.env.JSII_DEPRECATED;
    process.env.JSII_DEPRECATED = 'fail';
    try {
      const app = testApp();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const stack = new Stack(app, 'Test', { env: TEST_ENV });
      new EventHub(stack, 'Hub', { allowedAccounts: ['222222222222'], contracts: CONTRACTS });
      const assembly = app.synth();
      expect(JSON.stringify(assembly.getStackByName('Test').template)).toContain('AWS::Events::EventBusPolicy');
    } finally {
      if (before === undefined) delete process.env.JSII_DEPRECATED;
      else process.env.JSII_DEPRECATED = before;
    }
  });

  it('fails if an allowed account is not a 12-digit id', () => {
    const { stack } = testStack();
    expect(() => new EventHub(stack, 'Hub', { allowedAccounts: ['12345'] })).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        constructPath: 'Test/Hub',
        message: 'Test/Hub: allowedAccounts must hold 12-digit AWS account ids (got "12345")',
      }),
    );
  });

  it('fails if archiveRetention is out of range', () => {
    const { stack } = testStack();
    expect(() => new EventHub(stack, 'Hub', { archiveRetention: Duration.days(4000) })).toThrow(
      'Test/Hub: archiveRetention must be from 1 to 3650 days (got 4000 days)',
    );
  });

  it('connects a publisher: the bus in its environment, the PutEvents grant, and the events it publishes declared for switchyard cost', () => {
    const { stack } = testStack();
    const hub = new EventHub(stack, 'Hub', { contracts: CONTRACTS });
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'publishes',
    });
    hub.connectPublisher(fn, [TicketCreated]);
    hub.connectPublisher(fn, [TicketRouted, TicketCreated]);
    const template = Template.fromStack(stack);
    const [variables] = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => (f.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables,
    );
    expect(variables?.[ENV.eventBusName]).toEqual({ Ref: expect.stringMatching(/^HubBus/) });
    expect(JSON.parse(String(variables?.[ENV.emittedEvents]))).toEqual([
      { source: TicketCreated.source, detailType: 'TicketCreated' },
      { source: TicketRouted.source, detailType: 'TicketRouted' },
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'events:PutEvents', Effect: 'Allow' })]) },
    });
  });

  it("fails if a publisher is connected for a contract that is not one of the hub's, naming those that are", () => {
    const { stack } = testStack();
    const hub = new EventHub(stack, 'Hub', { contracts: [TicketCreated] });
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'publishes',
    });
    expect(() => hub.connectPublisher(fn, [OrderPlaced])).toThrow(
      `Test/Hub: connectPublisher(Fn): OrderPlaced from ${OrderPlaced.source} is not one of the hub's contracts (TicketCreated); add it to the EventHub's contracts`,
    );
    expect(() => hub.connectPublisher(fn, [])).toThrow('Test/Hub: connectPublisher(Fn) needs the contracts it publishes (got none)');
  });
});
