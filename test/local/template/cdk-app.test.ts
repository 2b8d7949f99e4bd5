import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CustomResource, Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { serviceDefinitions, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { type LoadedApp, type LoadedResource, loadApp } from '../../../local/template/load.js';
import { BASE_URL } from './helpers.js';

/**
 * What CDK itself writes for the patterns apps use across stacks: a cross-stack reference
 * (export/import), an SSM parameter read with valueForStringParameter, a nested stack, a
 * KMS key with an alias, and a function with log retention (a CDK custom resource with its
 * own provider function).
 */
describe('loadApp with a CDK app of several stacks', () => {
  let outdir: string;
  let app: LoadedApp;

  const byPath = (cdkPath: string): LoadedResource => {
    const found = app.stacks.flatMap((s) => s.resources).find((r) => r.metadata['aws:cdk:path'] === cdkPath);
    if (found === undefined) throw new Error(`no resource at ${cdkPath}`);
    return found;
  };

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-app-'));
    const cdkApp = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });

    const shared = new Stack(cdkApp, 'Shared');
    const key = new kms.Key(shared, 'Key', { alias: 'alias/shared' });
    const queue = new sqs.Queue(shared, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    new ssm.StringParameter(shared, 'QueueUrl', { parameterName: '/shared/queue-url', stringValue: queue.queueUrl });
    const nested = new NestedStack(shared, 'Nested');
    new sqs.Queue(nested, 'Jobs', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      visibilityTimeout: Duration.seconds(45),
    });

    const consumer = new Stack(cdkApp, 'Consumer');
    new lambda.Function(consumer, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      environment: {
        QUEUE_ARN: queue.queueArn,
        QUEUE_URL: ssm.StringParameter.valueForStringParameter(consumer, '/shared/queue-url'),
      },
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    cdkApp.synth();
    app = loadApp({ cdkOut: outdir, baseUrl: BASE_URL, types: TEMPLATE_TYPES });
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('loads every stack, the nested one before its parent and the producer before the consumer', () => {
    const names = app.stacks.map((s) => s.stackName);
    expect(names.indexOf('Shared')).toBeLessThan(names.indexOf('Consumer'));
    expect(names.filter((n) => n.startsWith('Shared-Nested'))).toHaveLength(1);
    expect(names.findIndex((n) => n.startsWith('Shared-Nested'))).toBeLessThan(names.indexOf('Shared'));
  });

  it("resolves the cross-stack reference and the SSM parameter into the function's environment", () => {
    const worker = byPath('Consumer/Worker/Resource');
    const queue = byPath('Shared/Queue/Resource');
    expect(worker.properties.Environment).toEqual({ Variables: { QUEUE_ARN: queue.attributes.Arn, QUEUE_URL: queue.ref } });
  });

  it("resolves the parent's key inside the nested stack", () => {
    expect(byPath('Shared/Nested/Jobs/Resource').properties.KmsMasterKeyId).toBe(byPath('Shared/Key/Resource').attributes.Arn);
  });

  it('warns about nothing', () => {
    expect(app.warnings).toEqual([]);
  });

  it('leaves the log retention provider function out of the functions the runtime runs', () => {
    const definitions = serviceDefinitions(app);
    // The worker (Node.js inline code) runs; the log retention provider does not.
    expect(definitions.functions.map((f) => f.name)).toEqual([expect.stringMatching(/^Consumer-Worker[0-9A-F]{8}$/)]);
    expect(definitions.warnings).toEqual([
      expect.stringMatching(/^functions Consumer-Worker[0-9A-F]{8} \(nodejs22.x\) declare another Node.js runtime/),
    ]);
  });
});

describe('loadApp with the constructs CDK apps commonly add', () => {
  let outdir: string;
  let app: LoadedApp;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-app-'));
    const cdkApp = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(cdkApp, 'Web');
    const inline = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      });
    const fn = inline('Api');

    const bucket = new s3.Bucket(stack, 'Site', { autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY });
    new s3deploy.BucketDeployment(stack, 'Deploy', { sources: [s3deploy.Source.data('index.html', 'hi')], destinationBucket: bucket });
    new cr.AwsCustomResource(stack, 'ReadParameter', {
      onUpdate: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: '/x' },
        physicalResourceId: cr.PhysicalResourceId.of('x'),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    new apigateway.LambdaRestApi(stack, 'Rest', { handler: fn });
    new apigatewayv2.HttpApi(stack, 'Http', { defaultIntegration: new HttpLambdaIntegration('Integration', fn) });
    new cloudwatch.Alarm(stack, 'Errors', { metric: fn.metricErrors(), threshold: 1, evaluationPeriods: 1 });
    fn.addFunctionUrl();
    new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    const provider = new cr.Provider(stack, 'Provider', { onEventHandler: inline('OnEvent'), isCompleteHandler: inline('IsComplete') });
    new CustomResource(stack, 'Thing', { serviceToken: provider.serviceToken });
    const group = new logs.LogGroup(stack, 'Group');
    new logs.MetricFilter(stack, 'Metric', {
      logGroup: group,
      filterPattern: logs.FilterPattern.allEvents(),
      metricNamespace: 'App',
      metricName: 'Lines',
    });
    new iam.ManagedPolicy(stack, 'Managed', { statements: [new iam.PolicyStatement({ actions: ['sqs:*'], resources: ['*'] })] });
    cdkApp.synth();
    app = loadApp({ cdkOut: outdir, baseUrl: BASE_URL, types: TEMPLATE_TYPES });
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('names each resource that does not run once, with its stack, logical id and type, and nothing else', () => {
    const types = app.warnings.map((warning) => /^Web\/[A-Za-z0-9]+ \(([^)]+)\): /.exec(warning)?.[1] ?? `unexpected: ${warning}`);
    expect(types.sort()).toEqual(
      // Custom::AWS and the provider framework's resource are run (local/custom-resources), and the metric filter (local/logs).
      ['AWS::CloudWatch::Alarm'],
    );
  });

  it("serves the LambdaRestApi's root and {proxy+} resources with ANY from its function, on the prod stage", () => {
    const { apis, warnings } = restApiDefinitions(app);
    expect(warnings).toEqual([]);
    expect(apis).toHaveLength(1);
    expect(apis[0]?.stages.map((s) => s.name)).toEqual(['prod']);
    expect(apis[0]?.resources.map((r) => [r.path, [...r.methods.keys()]]).sort()).toEqual([
      ['/', ['ANY']],
      ['/{proxy+}', ['ANY']],
    ]);
    const integration = apis[0]?.resources[0]?.methods.get('ANY')?.integration;
    expect(integration).toEqual({ kind: 'lambda', functionArn: expect.stringMatching(/:function:Web-Api[0-9A-F]{8}$/), timeoutMs: 29_000 });
  });

  it("serves the HTTP API's $default route from its function, on its $default stage", () => {
    const { apis, warnings } = httpApiDefinitions(app);
    expect(warnings).toEqual([]);
    expect(apis).toHaveLength(1);
    const [api] = apis;
    expect(api?.routes.map((r) => r.routeKey)).toEqual(['$default']);
    expect(api?.stages.map((s) => s.name)).toEqual(['$default']);
    expect([...(api?.integrations.values() ?? [])].map((i) => i.functionArn)).toEqual([
      expect.stringMatching(/:function:Web-Api[0-9A-F]{8}$/),
    ]);
  });

  it("runs none of the custom resources' providers, their layer or the provider framework's state machine, but the app's onEvent and isComplete", () => {
    const definitions = serviceDefinitions(app);
    expect(definitions.stateMachines).toEqual([]);
    // The app's own functions (its provider's onEvent and isComplete among them), never a provider.
    expect(definitions.functions.map((f) => f.name).sort()).toEqual([
      expect.stringMatching(/^Web-Api[0-9A-F]{8}$/),
      expect.stringMatching(/^Web-IsComplete[0-9A-F]{8}$/),
      expect.stringMatching(/^Web-OnEvent[0-9A-F]{8}$/),
    ]);
    expect(definitions.warnings).toEqual([
      expect.stringMatching(
        /^functions Web-Api[0-9A-F]{8} \(nodejs22.x\), Web-OnEvent[0-9A-F]{8} \(nodejs22.x\), Web-IsComplete[0-9A-F]{8} \(nodejs22.x\) declare another Node.js runtime/,
      ),
    ]);
  });
});

describe('loadApp with CDK cross-region references', () => {
  it("resolves a value one region's stack exports to another's through CDK's SSM export writer and reader", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-app-'));
    try {
      const cdkApp = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
      const producer = new Stack(cdkApp, 'Producer', {
        env: { account: '000000000000', region: 'us-east-1' },
        crossRegionReferences: true,
      });
      const queue = new sqs.Queue(producer, 'Queue');
      const consumer = new Stack(cdkApp, 'Consumer', {
        env: { account: '000000000000', region: 'eu-west-1' },
        crossRegionReferences: true,
      });
      new ssm.StringParameter(consumer, 'QueueArn', { stringValue: queue.queueArn });
      cdkApp.synth();
      const app = loadApp({ cdkOut: outdir, baseUrl: BASE_URL, types: TEMPLATE_TYPES });
      const resources = app.stacks.flatMap((s) => s.resources);
      const find = (cdkPath: string) => resources.find((r) => r.metadata['aws:cdk:path'] === cdkPath);
      expect(find('Consumer/QueueArn/Resource')?.properties.Value).toBe(find('Producer/Queue/Resource')?.attributes.Arn);
      // Only the consumer's region is worth a word; the writer, reader and their providers are not.
      expect(app.warnings).toEqual([
        'Consumer: synthesized for region eu-west-1 but loaded as us-east-1; ARNs the template spells out keep eu-west-1',
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
