import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PolicyDocument, usablePolicy } from '../../../local/iam/policy-documents.js';
import { evaluate } from '../../../local/iam/policy-evaluation.js';
import { requestContext } from '../../../local/iam/request-context.js';
import type { PolicyProblem } from '../../../local/iam/types.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { restartableRuntime, roleConfig } from '../restartable-runtime.js';
import { session } from './ask.js';

const ROLE = 'arn:aws:iam::000000000000:role/bad-policies-sender';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const allow = (Action: unknown, Resource: string, more: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...more }],
});

/** A role whose grants are each broken in one way (which then grants nothing: AWS takes the unknown action, refuses the rest as malformed), beside one that is sound. */
function writeApp(): string {
  const inline = (PolicyName: string, PolicyDocument: unknown) => ({ PolicyName, PolicyDocument });
  return assemblyOf(
    {
      ...Object.fromEntries(
        ['sound', 'typo', 'operator', 'garbled', 'by-queue-policy'].map((name) => [
          `Queue${name.replace(/-/g, '')}`,
          { Type: 'AWS::SQS::Queue', Properties: { QueueName: `bad-${name}` } },
        ]),
      ),
      Sender: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'bad-policies-sender',
          AssumeRolePolicyDocument: allow('sts:AssumeRole', '*', { Principal: { Service: 'lambda.amazonaws.com' } }),
          Policies: [
            inline('sound', allow('sqs:SendMessage', queueArn('bad-sound'))),
            inline('typo', allow(['sqs:SendMesage', 'sqs:GetQueueUrl'], queueArn('bad-typo'))),
            inline(
              'operator',
              allow('sqs:SendMessage', queueArn('bad-operator'), {
                Condition: { StringEqualz: { 'aws:PrincipalAccount': '000000000000' } },
              }),
            ),
            inline('garbled', '{"Version": "2012-10-17", "Statement": ['),
          ],
        },
      },
      QueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: { Queues: [{ Ref: 'Queuebyqueuepolicy' }], PolicyDocument: { Version: '2012-10-17', Statement: 7 } },
      },
    },
    'App',
  );
}

const local = restartableRuntime({
  assembly: writeApp,
  ownsAssembly: true,
  options: { iam: 'enforce' },
  // The role's session, as a function of that role would sign with it.
  clients: (runtime) => ({
    sqs: new SQSClient(roleConfig(runtime, ROLE, 'test')),
  }),
});

const send = (queue: string) =>
  local.sqs.send(new SendMessageCommand({ QueueUrl: `${local.runtime.url}/000000000000/${queue}`, MessageBody: 'hello' })).then(
    () => 'sent',
    (error: Error) => error.name,
  );

describe('IAM policies that grant nothing (AWS accepts some, refuses others as malformed), under enforce', () => {
  it('fails if a policy names an action AWS does not have, an unknown condition operator or is not a policy: named at start-up with its holder', () => {
    const iam = local.runtime.warnings.filter((line) => line.includes('IAM policy of'));
    expect(iam).toEqual([
      // IAM takes a policy with an action it does not recognize (it lists it under the policy's
      // "Uncategorized actions") and the action grants nothing: no difference from AWS, so tagged so.
      expect.stringMatching(
        /^\[as in AWS\] IAM policy of App\/Sender \(AWS::IAM::Role\) inline policy typo: statement 1: unknown action sqs:SendMesage: .*grants nothing/,
      ),
      // IAM refuses these as malformed: the deploy would fail, which the line says rather than that AWS accepts them.
      expect.stringMatching(
        /^IAM policy of App\/Sender \(AWS::IAM::Role\) inline policy operator: statement 1 has an unknown condition operator StringEqualz: AWS refuses the policy as malformed \(MalformedPolicyDocument\), so cdk deploy fails; .*grants nothing here/,
      ),
      expect.stringMatching(
        /^IAM policy of App\/Sender \(AWS::IAM::Role\) inline policy garbled: the policy document is not JSON .*: AWS refuses the policy as malformed/,
      ),
      expect.stringMatching(/^IAM policy of App\/QueuePolicy \(AWS::SQS::QueuePolicy\): statement 1 is not an object/),
    ]);
  });

  it('refuses what the broken parts would grant and allows what the sound ones do', async () => {
    expect(await send('bad-sound')).toBe('sent');
    for (const queue of ['bad-typo', 'bad-operator', 'bad-garbled', 'bad-by-queue-policy'])
      expect(await send(queue), queue).toBe('AccessDenied');
  });

  it('answers the administrator as ever (the broken policies are the role’s)', async () => {
    const admin = new SQSClient({ endpoint: local.runtime.url, region, credentials });
    await expect(
      admin.send(new SendMessageCommand({ QueueUrl: `${local.runtime.url}/000000000000/bad-typo`, MessageBody: 'x' })),
    ).resolves.toBeDefined();
    admin.destroy();
  });
});

describe('evaluate', () => {
  it('never throws, whatever the documents it is handed hold (arbitrary JSON in every element)', () => {
    const junk = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const statement = fc.record(
      {
        Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), junk),
        Action: junk,
        NotAction: junk,
        Resource: junk,
        NotResource: junk,
        Principal: junk,
        NotPrincipal: junk,
        Condition: junk,
      },
      { requiredKeys: [] },
    );
    const document = fc.oneof(
      fc.record({
        Version: fc.constantFrom('2012-10-17', undefined),
        Statement: fc.oneof(fc.array(fc.oneof(statement, junk)), statement, junk),
      }),
      junk,
    );
    const principal = session('111122223333', 'Worker');
    fc.assert(
      fc.property(document, document, document, (identity, resource, boundary) => {
        const result = evaluate({
          principal,
          action: 'sqs:SendMessage',
          resource: 'arn:aws:sqs:us-east-1:111122223333:orders',
          resourceAccount: '111122223333',
          context: requestContext({ principal, supplied: { 'aws:SourceIp': '203.0.113.7', 'aws:TagKeys': ['a', 'b'] } }),
          identityPolicies: [identity as PolicyDocument],
          resourcePolicy: resource as PolicyDocument,
          permissionsBoundary: boundary as PolicyDocument,
        });
        expect(['allowed', 'explicit-deny', 'implicit-deny']).toContain(result.decision);
      }),
      { seed: 45, numRuns: 2000 },
    );
  });
});

describe('usablePolicy of a statement whose values did not resolve locally', () => {
  it('leaves the statement out without saying AWS refuses the policy: the loader dropped what it could not resolve', () => {
    const problems: PolicyProblem[] = [];
    const document = usablePolicy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('kept') },
          { Effect: 'Allow', Action: 'bedrock-agentcore:InvokeAgentRuntime', Resource: [] },
        ],
      },
      'App/RolePolicy',
      problems,
      'identity',
    );
    expect(document?.Statement).toHaveLength(1);
    expect(problems).toEqual([
      {
        holder: 'App/RolePolicy',
        problem:
          'statement 2 has no Resource left here: none of its values resolved locally (said above); the local runtime leaves the statement out, so it grants nothing here',
      },
    ]);
  });
});
