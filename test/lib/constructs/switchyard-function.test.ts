import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { TEST_ENV, testApp, testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');
/** An entry that bundles in a blink, for the tests that bundle for real. */
const tinyEntry = path.join(import.meta.dirname, '../../../lambdas/triage/classifier.ts');

describe('SwitchyardFunction', () => {
  it('runs Node 24 on arm64 with tracing, JSON logs into its own log group and a timeout', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', timeout: Duration.seconds(20) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 20,
      MemorySize: 512,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FnLogs') } },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'Fn', NODE_OPTIONS: '--enable-source-maps' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the function a role without the account-wide basic execution managed policy', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each([
    ['with', 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:s3:::reports-*/*]'],
    ['without', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::reports-*/*]'],
  ])("takes a cdk-nag finding acknowledged on the function (%s the prefix) for its role's, which sits beside it", (_prefix, id) => {
    const synth = (acknowledged: boolean) => {
      const app = testApp();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const stack = new Stack(app, 'Test', { env: TEST_ENV });
      const fn = new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports-*/*'] }));
      if (acknowledged) Validations.of(fn).acknowledge({ id, reason: 'Reports land in one bucket per month; it reads them all.' });
      return () => app.synth();
    };
    expect(synth(false)).toThrow(/Test\/FnRole\/DefaultPolicy\/Resource/);
    expect(synth(true)).not.toThrow();
  });

  it('keeps the logical ids of its role and log group: they stay beside the function', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([expect.stringMatching(/^FnRole[0-9A-F]{8}$/)]);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup'))).toEqual([expect.stringMatching(/^FnLogs[0-9A-F]{8}$/)]);
  });

  it.each([
    ['timeout', { timeout: Duration.seconds(901) }, 'Test/Fn: timeout must be from 1 to 900 seconds (got 901 seconds)'],
    ['memorySize', { memorySize: 64 }, 'Test/Fn: memorySize must be from 128 to 10240 MiB (got 64 MiB)'],
  ])('fails if %s is out of range', (_prop, props, message) => {
    const { stack } = testStack();
    expect(() => new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', ...props })).toThrow(message);
  });
});

describe('SwitchyardFunction assetFiles', () => {
  it('ships each asset file beside the bundle in the function asset', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-asset-files-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
      const stack = new Stack(app, 'Test', { env: TEST_ENV });
      const data = path.join(outdir, "a model's data.json");
      writeFileSync(data, '{"weights":[1,2,3]}');
      new SwitchyardFunction(stack, 'Fn', { entry: tinyEntry, description: 'test', assetFiles: { 'model.json': data } });
      const assembly = app.synth();
      const fn = Object.values(Template.fromJSON(assembly.getStackArtifact('Test').template).findResources('AWS::Lambda::Function'))[0];
      const asset = path.join(assembly.directory, fn?.Metadata?.['aws:asset:path'] as string);
      expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'index.mjs.map', 'model.json']);
      expect(readFileSync(path.join(asset, 'model.json'), 'utf8')).toBe('{"weights":[1,2,3]}');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a path', { 'models/model.json': tinyEntry }, 'Test/Fn: assetFiles: "models/model.json" must be a file name'],
    ['the bundle', { 'index.mjs': tinyEntry }, 'Test/Fn: assetFiles: "index.mjs" must be a file name'],
    ['a missing file', { 'model.json': '/no/such/model.json' }, 'Test/Fn: assetFiles: model.json must be the path of a file at synth'],
  ])('fails if an asset file is %s', (_case, assetFiles, message) => {
    const { stack } = testStack();
    expect(() => new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', assetFiles })).toThrow(message);
  });
});
