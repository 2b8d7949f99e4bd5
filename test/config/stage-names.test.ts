import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE, resolveStage, STAGES, stackPropsOf } from '../../config/stages.js';
import { SwitchyardStack } from '../../lib/switchyard-stack.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENV = { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'eu-west-1' };

/** cdk.json's context (the feature flags), as `cdk synth` gives the app, with bundling skipped. */
function appContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] };
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/**
 * Names a property gives its resource that only need to be unique within another resource
 * (a role's inline policy, a registry's schema, an API's stage), not in the account.
 */
const SCOPED_NAMES = new Set([
  'AWS::IAM::Policy PolicyName',
  'AWS::EventSchemas::Schema SchemaName',
  'AWS::ApiGatewayV2::Stage StageName',
  // An alias is named within its function (DurableFlow's `live`): each stage has its own function.
  'AWS::Lambda::Alias Name',
]);
/** `...Name` properties that name something else than the resource (an alarm's metric). */
const OTHER_NAMES = new Set(['MetricName']);

/**
 * Every physical name a template sets (each `Name` or `...Name` property of a resource that is
 * not a reference to another resource), as `Type Property = value` with pseudo parameters kept
 * as `<AWS::AccountId>`. A resource without one is named by CloudFormation from the stack name.
 */
function physicalNames(template: Template): Map<string, string> {
  const names = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      if (!/(^|[a-z])Name$/.test(property) || OTHER_NAMES.has(property) || SCOPED_NAMES.has(`${resource.Type} ${property}`)) continue;
      const name = rendered(value);
      if (name !== undefined) names.set(`${resource.Type} ${property} = ${name}`, logicalId);
    }
  }
  return names;
}

/** A literal name, or undefined when it refers to another resource (Ref, Fn::GetAtt, an import). */
function rendered(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref.startsWith('AWS::') ? `<${ref}>` : undefined;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) return undefined;
  const parts = join[1].map(rendered);
  return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
}

describe('stages side by side', () => {
  // Every stage in one App, in one account and region, as they would deploy there.
  const app = new App({ context: appContext() });
  const stacks = Object.keys(STAGES).map((name) => {
    const stage = resolveStage((key) => (key === 'stage' ? name : undefined), ENV);
    return { stage, stack: new SwitchyardStack(app, stage.stackName, stackPropsOf(stage)) };
  });
  const assembly = app.synth();
  const templates = stacks.map(({ stage, stack }) => ({
    stage: stage.name,
    names: physicalNames(assembly.getStackByName(stack.stackName).template as Template),
  }));

  const namesOf = (stage: string) => [...(templates.find((t) => t.stage === stage)?.names.keys() ?? [])];

  it('synthesizes each stage as its own stack, the default one keeping the name Switchyard', () => {
    expect(stacks.map(({ stack }) => stack.stackName)).toEqual(['Switchyard', 'Switchyard-dev', 'Switchyard-prod']);
    expect(stacks.every(({ stack }) => stack.account === '111111111111' && stack.region === 'eu-west-1')).toBe(true);
  });

  it('names the bus, the log groups and the webhook API after the stage', () => {
    const dev = namesOf('dev');
    expect(dev).toContain('AWS::Events::EventBus Name = Switchyard-dev-hub');
    expect(dev.filter((name) => name.startsWith('AWS::Logs::LogGroup LogGroupName = /aws/vendedlogs/states/Switchyard-dev-'))).toHaveLength(
      4,
    );
    expect(dev).toContain('AWS::ApiGatewayV2::Api Name = Switchyard-dev-Webhooks');
    // The default stage's names are the ones deployed stacks, the local runtime and the tests know.
    expect(namesOf(DEFAULT_STAGE)).toContain('AWS::Events::EventBus Name = Switchyard-hub');
  });

  it('gives every stage other than the default physical names that include the stage', () => {
    for (const { stage, names } of templates) {
      if (stage === DEFAULT_STAGE) continue;
      expect(names.size, stage).toBeGreaterThan(0);
      for (const name of names.keys()) expect(name, stage).toContain(`-${stage}`);
    }
  });

  it('shares no physical name between two stages', () => {
    for (const [i, a] of templates.entries()) {
      for (const b of templates.slice(i + 1)) {
        const shared = [...a.names.keys()].filter((name) => b.names.has(name));
        expect(shared, `${a.stage} and ${b.stage}`).toEqual([]);
      }
    }
  });

  it('encrypts the prod stage’s bus, queues, tables, log groups, secrets and alarm topic with one rotated key of its own', () => {
    const templateOf = (stage: string) => {
      const found = stacks.find((s) => s.stage.name === stage);
      if (found === undefined) throw new Error(`no stage ${stage}`);
      return assembly.getStackByName(found.stack.stackName).template as Template;
    };
    const prod = Object.entries(templateOf('prod').Resources);
    const keys = prod.filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys.map(([id, r]) => [id, r.Properties?.EnableKeyRotation])).toEqual([[expect.stringMatching(/^EncryptionKey/), true]]);
    const keyId = keys[0]?.[0];
    const usesKey = (value: unknown) => JSON.stringify(value ?? null).includes(`"${keyId}"`);
    const unencrypted = prod
      .filter(([, r]) => {
        const p = r.Properties ?? {};
        switch (r.Type) {
          case 'AWS::SQS::Queue':
            return !usesKey(p.KmsMasterKeyId);
          case 'AWS::DynamoDB::Table':
            return !usesKey(p.SSESpecification);
          case 'AWS::Logs::LogGroup':
            return !usesKey(p.KmsKeyId);
          case 'AWS::Events::EventBus':
            return !usesKey(p.KmsKeyIdentifier);
          case 'AWS::SecretsManager::Secret':
            return !usesKey(p.KmsKeyId);
          case 'AWS::SNS::Topic':
            return !usesKey(p.KmsMasterKeyId);
          default:
            return false;
        }
      })
      .map(([id, r]) => `${r.Type} ${id}`);
    expect(unencrypted).toEqual([]);
    // The other stages keep AWS-managed keys: the only key is the alarm topic's own.
    const local = Object.entries(templateOf('local').Resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(local.map(([id]) => id)).toEqual([expect.stringMatching(/AlarmTopicKey/)]);
  });

  it('finds a shared name when two stacks do set the same one (the check itself)', () => {
    const probe = physicalNames({
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: { 'Fn::Join': ['', ['orders-', { Ref: 'AWS::Region' }]] } } },
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'orders', KeySchema: [] } },
        Rule: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' } } },
        Policy: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'Default' } },
      },
    });
    expect([...probe.keys()]).toEqual(['AWS::Events::EventBus Name = orders-<AWS::Region>', 'AWS::DynamoDB::Table TableName = orders']);
  });
});
