import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../../domain/index.js';
import { KNOWN_RESOURCE_TYPES, SUPPORTED_RESOURCE_TYPES, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { type LoadedApp, type LoadedResource, type LoadedStack, loadApp, loadStack } from '../../../local/template/load.js';
import { notRun } from '../../../local/template/not-run.js';
import { synthOverSharedBundles, WITH_BUNDLED_APP } from '../../helpers/synth.js';
import { ALL_KNOWN_RUN, artifact, BASE_URL, load, resource } from './helpers.js';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

/**
 * The types the runtime's service modules declare (local/service-registry/modules.ts), less state
 * machines: so this app also shows what the loader says about a type nothing runs.
 */
const RUNTIME_TYPES = new Set([...SUPPORTED_RESOURCE_TYPES].filter((type) => type !== 'AWS::StepFunctions::StateMachine'));

describe('loadApp', () => {
  describe.runIf(WITH_BUNDLED_APP)('with the Switchyard app', () => {
    let outdir: string;
    let app: LoadedApp;
    let stack: LoadedStack;
    const byPath = (cdkPath: string): LoadedResource => {
      const found = stack.resources.find((r) => r.metadata['aws:cdk:path'] === cdkPath);
      if (found === undefined) throw new Error(`no resource at ${cdkPath}`);
      return found;
    };

    beforeAll(() => {
      outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-out-'));
      // The CDK CLI turns path metadata on; the resources are found here by their construct paths.
      synthOverSharedBundles(outdir, { env: { account: ACCOUNT, region: REGION }, context: { 'aws:cdk:enable-path-metadata': true } });
      app = loadApp({
        cdkOut: outdir,
        accountId: ACCOUNT,
        region: REGION,
        baseUrl: BASE_URL,
        types: { specs: TEMPLATE_TYPES.specs, supported: RUNTIME_TYPES },
      });
      const [only] = app.stacks;
      if (only === undefined) throw new Error('no stack loaded');
      stack = only;
      // The first test file of a run to need the app's bundles builds them: a minute on a busy 2-core machine.
    }, 180_000);

    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    it('loads the one stack', () => {
      expect(app.stacks.map((s) => s.stackName)).toEqual(['Switchyard']);
    });

    it('finds the bundle of every Lambda function in an asset folder with index.mjs', () => {
      // CDK's bucket notifications provider (inline Python) only runs while CloudFormation deploys.
      const functions = stack.resources.filter((r) => r.type === 'AWS::Lambda::Function' && !r.customResourceProvider);
      expect(functions.length).toBeGreaterThanOrEqual(2);
      for (const fn of functions) {
        expect(fn.assetPath, fn.logicalId).toMatch(new RegExp(`^${outdir}/asset\\.[0-9a-f]{64}$`));
        expect(existsSync(path.join(fn.assetPath ?? '', 'index.mjs')), fn.logicalId).toBe(true);
      }
    });

    it('resolves the triage definition to ASL that invokes the local Classify function by ARN', () => {
      const classify = byPath('Switchyard/TicketTriage/Classify/Resource');
      const definition = JSON.parse(String(byPath('Switchyard/TicketTriage/Triage/StateMachine/Resource').properties.DefinitionString));
      expect(definition.States.ClassifyTicket.Arguments.FunctionName).toBe(classify.attributes.Arn);
      expect(classify.attributes.Arn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${classify.physicalName}`);
      expect(definition.States.ClassifyTicket.Resource).toBe('arn:aws:states:::lambda:invoke');
    });

    it('points the triage queue redrive policy at the dead-letter queue ARN', () => {
      const queue = byPath('Switchyard/TicketTriage/Triage/Starter/Queue/Resource');
      const deadLetterQueue = byPath('Switchyard/TicketTriage/Triage/Starter/DeadLetterQueue/Resource');
      expect(queue.properties.RedrivePolicy).toEqual({ deadLetterTargetArn: deadLetterQueue.attributes.Arn, maxReceiveCount: 5 });
      expect(deadLetterQueue.attributes.Arn).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${deadLetterQueue.physicalName}`);
    });

    it('maps the triage queue to the starter function by ARN and name', () => {
      const mapping = stack.resources.find((r) => r.type === 'AWS::Lambda::EventSourceMapping');
      expect(mapping?.properties).toMatchObject({
        EventSourceArn: byPath('Switchyard/TicketTriage/Triage/Starter/Queue/Resource').attributes.Arn,
        FunctionName: byPath('Switchyard/TicketTriage/Triage/Starter/Handler/Resource').physicalName,
      });
    });

    it('creates every resource after the ones it references', () => {
      const order = stack.resources.map((r) => r.logicalId);
      const position = (cdkPath: string) => order.indexOf(byPath(cdkPath).logicalId);
      expect(position('Switchyard/TicketTriage/Triage/Starter/DeadLetterQueue/Resource')).toBeLessThan(
        position('Switchyard/TicketTriage/Triage/Starter/Queue/Resource'),
      );
      expect(position('Switchyard/TicketTriage/Classify/Resource')).toBeLessThan(
        position('Switchyard/TicketTriage/Triage/StateMachine/Resource'),
      );
    });

    it('resolves the outputs', () => {
      expect(stack.outputs.EventBusName).toBe(byPath('Switchyard/Hub/Bus/Resource').ref);
      expect(stack.outputs.TriageDeadLetterQueueUrl).toBe(
        `${BASE_URL}/${ACCOUNT}/${byPath('Switchyard/TicketTriage/Triage/Starter/DeadLetterQueue/Resource').physicalName}`,
      );
    });

    it('warns only about the types the local services do not run: here state machines, and the monitoring', () => {
      const unsupported = (r: LoadedResource) =>
        `Switchyard/${r.logicalId} (${r.type}): resource type not supported locally; its Ref and attributes resolve, but nothing runs it`;
      const expected = stack.resources.filter((r) => r.type === 'AWS::StepFunctions::StateMachine').map(unsupported);
      // Four state machines at least: triage, escalation, order saga, research agents.
      expect(expected.length).toBeGreaterThanOrEqual(4);
      // SwitchyardMonitoring's alarms, dashboard and saved queries: each says what does not happen locally.
      const monitoring = stack.resources
        .filter((r) => ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::Logs::QueryDefinition'].includes(r.type))
        .map((r) => {
          const said = notRun(r.type);
          return `Switchyard/${r.logicalId} (${r.type}): ${'note' in said ? said.note : ''}`;
        });
      expect(monitoring.length).toBeGreaterThan(CONTRACTS.length);
      expect([...app.warnings].sort()).toEqual([...expected, ...monitoring].sort());
    });

    it('resolves every intrinsic of the app when every known type counts as supported', () => {
      expect(
        loadApp({
          cdkOut: outdir,
          accountId: ACCOUNT,
          region: REGION,
          baseUrl: BASE_URL,
          types: { specs: TEMPLATE_TYPES.specs, supported: new Set([...KNOWN_RESOURCE_TYPES, ...RUNTIME_TYPES]) },
        }).warnings,
      ).toEqual([]);
    });
  });

  describe('with small assemblies', () => {
    it('warns once for each resource of an unsupported type', () => {
      const { warnings } = load(
        {
          Resources: {
            Topic: { Type: 'AWS::Glue::Job' },
            Registry: { Type: 'AWS::EventSchemas::Registry' },
            Queue: { Type: 'AWS::SQS::Queue' },
          },
        },
        { types: { specs: TEMPLATE_TYPES.specs, supported: new Set(['AWS::SQS::Queue']) } },
      );
      expect(warnings).toEqual([
        'Test/Topic (AWS::Glue::Job): resource type not supported locally; it does not run, and Ref or Fn::GetAtt to it cannot resolve',
        'Test/Registry (AWS::EventSchemas::Registry): resource type not supported locally; its Ref and attributes resolve, but nothing runs it',
      ]);
    });

    it('warns about a reference to a resource of a type it does not know, and leaves the property out', () => {
      const { stack, warnings } = load({
        Resources: {
          Topic: { Type: 'AWS::CloudFront::Distribution' },
          Queue: { Type: 'AWS::SQS::Queue', Properties: { Tags: [{ Key: 'topic', Value: { Ref: 'Topic' } }] } },
        },
      });
      expect(resource(stack, 'Queue').properties).toEqual({ Tags: [{ Key: 'topic' }] });
      expect(warnings).toContain(
        'Test/Queue (AWS::SQS::Queue): Properties.Tags[0].Value: Ref: the return values of AWS::CloudFront::Distribution are not known locally',
      );
    });

    it('reports a nested stack whose template is not in the assembly', () => {
      const { warnings } = load({
        Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://example.com/t.json' } } },
      });
      expect(warnings).toEqual([
        'Test/Child (AWS::CloudFormation::Stack): its template is not a file of the cloud assembly; none of its resources run',
      ]);
    });

    it('warns about a transform it does not apply', () => {
      expect(load({ Transform: 'AWS::Serverless-2016-10-31', Resources: {} }).warnings).toEqual([
        'Test: Transform "AWS::Serverless-2016-10-31" is not applied locally; the template is read as written',
      ]);
    });

    it('warns when the stack was synthesized for another region or account', () => {
      const warnings: string[] = [];
      loadStack(
        artifact({ Resources: {} }, { environment: { account: '222222222222', region: 'us-west-2' } }),
        { baseUrl: BASE_URL, types: { specs: TEMPLATE_TYPES.specs, supported: new Set() } },
        warnings,
      );
      expect(warnings).toEqual([
        'Test: synthesized for region us-west-2 but loaded as us-east-1; ARNs the template spells out keep us-west-2',
        'Test: synthesized for account 222222222222 but loaded as 000000000000; ARNs the template spells out keep 222222222222',
      ]);
    });

    it('finds a function bundle by its S3 key when the template has no asset metadata, and warns if it is missing', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'assets-'));
      try {
        mkdirSync(path.join(dir, 'asset.abc'));
        writeFileSync(path.join(dir, 'asset.abc', 'index.mjs'), '');
        const warnings: string[] = [];
        const stack = loadStack(
          artifact(
            {
              Resources: {
                Found: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: 'abc.zip' } } },
                Lost: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: 'def.zip' } } },
              },
            },
            { assemblyDir: dir, assets: new Map([['abc.zip', path.join(dir, 'asset.abc')]]) },
          ),
          { baseUrl: BASE_URL, types: ALL_KNOWN_RUN },
          warnings,
        );
        expect(resource(stack, 'Found').assetPath).toBe(path.join(dir, 'asset.abc'));
        expect(resource(stack, 'Lost').assetPath).toBeUndefined();
        expect(warnings).toEqual(['Test/Lost (AWS::Lambda::Function): code s3 object def.zip is not an asset of this cloud assembly']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fails if the folder is no cloud assembly', () => {
      expect(() =>
        loadApp({
          cdkOut: path.join(tmpdir(), 'no-such-cdk-out'),
          baseUrl: BASE_URL,
          types: { specs: TEMPLATE_TYPES.specs, supported: new Set() },
        }),
      ).toThrow('manifest.json is missing');
    });
  });
});
