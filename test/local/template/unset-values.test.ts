import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadApp } from '../../../local/template/load.js';
import { unsetArnPart } from '../../../local/template/unset-values.js';
import { type HandWrittenStack, tempAssemblyDir, writeAssembly } from '../assembly.js';
import { ALL_KNOWN_RUN, BASE_URL } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function warningsOf(stack: HandWrittenStack): readonly string[] {
  const dir = tempAssemblyDir();
  dirs.push(dir);
  writeAssembly(dir, { App: stack });
  return loadApp({ cdkOut: dir, baseUrl: BASE_URL, types: ALL_KNOWN_RUN }).warnings;
}

describe('unsetValueWarnings', () => {
  it('names a rule target whose ARN holds the text of an unset account', () => {
    // eventbridge-mesh (aws-cdk-examples) read `consumer1AccountId` where cdk.json sets `consumerAccountId`.
    const warnings = warningsOf({
      template: {
        Resources: {
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: { source: ['orders'] },
              Targets: [{ Id: 'Consumer', Arn: 'arn:aws:events:us-east-1:undefined:event-bus/default' }],
            },
          },
        },
      },
    });
    const line = warnings.find((w) => w.includes('undefined:event-bus'));
    expect(line).toContain(
      'App/Rule (AWS::Events::Rule): Properties.Targets[0].Arn is arn:aws:events:us-east-1:undefined:event-bus/default',
    );
    expect(line).toContain('whose account is `undefined`');
  });

  it('says nothing of ARNs with an account, or with none where the service has none', () => {
    const warnings = warningsOf({
      template: {
        Resources: {
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: { source: ['orders'] },
              Targets: [{ Id: 'Bus', Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }],
            },
          },
          Policy: {
            Type: 'AWS::IAM::ManagedPolicy',
            Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }] } },
          },
        },
      },
    });
    expect(warnings.filter((w) => w.includes('left unset'))).toEqual([]);
  });

  it('reads the region before the account, and only the text JavaScript writes for a missing value', () => {
    expect(unsetArnPart('arn:aws:sqs:null:000000000000:q')).toEqual({ part: 'region', value: 'null' });
    expect(unsetArnPart('arn:aws:sqs:us-east-1:NaN:q')).toEqual({ part: 'account', value: 'NaN' });
    expect(unsetArnPart('arn:aws:sqs:us-east-1:000000000000:undefined')).toBeUndefined();
    expect(unsetArnPart('undefined')).toBeUndefined();
  });
});
