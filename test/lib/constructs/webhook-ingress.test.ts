import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { WebhookIngress, type WebhookIngressProps, type WebhookProvider } from '../../../lib/constructs/webhook-ingress.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/webhooks/payments.ts');
const payments: WebhookProvider = { name: 'payments', entry, description: 'test' };

function ingress(props: Partial<WebhookIngressProps> = {}) {
  const { stack, bus } = testStack();
  const construct = new WebhookIngress(stack, 'Webhooks', {
    eventBus: bus,
    idempotencyStore: new IdempotencyStore(stack, 'Idempotency'),
    providers: [payments],
    ...props,
  });
  return { construct, stack, template: Template.fromStack(stack) };
}

describe('WebhookIngress', () => {
  it('routes POST /webhooks/<provider> to its function through a payload 2.0 Lambda proxy integration', () => {
    const { template } = ingress({ providers: [payments, { name: 'github', entry, description: 'test' }] });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/payments' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/github' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  it('throttles the $default stage and writes a JSON access log to a log group with a retention', () => {
    const { template } = ingress({ throttlingRateLimit: 20, throttlingBurstLimit: 40 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLog'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the function the secret by ARN only, the bus and the idempotency table, and may read only that secret', () => {
    const { template } = ingress();
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const variables = fn?.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables[ENV.webhookSecretId]).toEqual({ Ref: expect.stringMatching(/PaymentsSecret/) });
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([ENV.eventBusName, ENV.idempotencyTable, ENV.webhookProvider, ENV.webhookMaxBodyBytes]),
    );
    expect(variables[ENV.webhookToleranceSeconds]).toBe('300');
    expect(variables[ENV.webhookPreviousSecretGraceSeconds]).toBe('86400');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { Ref: Match.stringLikeRegexp('PaymentsSecret') },
          }),
          Match.objectLike({ Action: 'events:PutEvents' }),
        ]),
      },
    });
  });

  it('passes a configured tolerance, body limit and grace period to the function', () => {
    const { template } = ingress({
      providers: [
        { ...payments, signatureTolerance: Duration.seconds(60), maxBodyBytes: 1024, previousSecretGracePeriod: Duration.hours(1) },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.webhookToleranceSeconds]: '60',
          [ENV.webhookMaxBodyBytes]: '1024',
          [ENV.webhookPreviousSecretGraceSeconds]: '3600',
        }),
      },
    });
  });

  it.each([
    [{ providers: [] }, 'Test/Webhooks: providers must name at least one provider (got none)'],
    [{ providers: [{ ...payments, name: 'Pay/ments' }] }, 'Test/Webhooks: providers[0].name must be 1 to 63 lower-case letters'],
    [{ providers: [payments, payments] }, 'Test/Webhooks: providers[1].name must be unique (got "payments" twice)'],
    [
      { throttlingRateLimit: 0 },
      'Test/Webhooks: throttlingRateLimit must be from 1 to 10000 requests per second (got 0 requests per second)',
    ],
    [{ throttlingBurstLimit: 5001 }, 'Test/Webhooks: throttlingBurstLimit must be from 1 to 5000 requests (got 5001 requests)'],
    [
      { providers: [{ ...payments, signatureTolerance: Duration.hours(2) }] },
      'Test/Webhooks: providers[0].signatureTolerance must be from 1 to 3600 seconds (got 7200 seconds)',
    ],
    [
      { providers: [{ ...payments, maxBodyBytes: 10_000_000 }] },
      'Test/Webhooks: providers[0].maxBodyBytes must be from 1 to 4718592 bytes (got 10000000 bytes)',
    ],
  ] as [Partial<WebhookIngressProps>, string][])('fails if a prop is out of range: %j', (props, message) => {
    expect(() => ingress(props)).toThrow(message);
  });
});
