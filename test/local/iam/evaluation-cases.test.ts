import { describe, expect, it } from 'vitest';
import { describeDenial, grantHint, IamEvaluator } from '../../../local/iam/evaluator.js';
import { PolicyStore } from '../../../local/iam/policy-store.js';
import type { IamRequest } from '../../../local/iam/types.js';
import type { LoadedApp, LoadedResource } from '../../../local/template/load.js';
import { RESOURCE_POLICIES } from './fixtures.js';

const account = '111122223333';
const region = 'us-east-1';
const roleArn = `arn:aws:iam::${account}:role/Worker`;
const queueArn = `arn:aws:sqs:${region}:${account}:orders`;
const queueUrl = `http://localhost:4566/${account}/orders`;
const keyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function resource(
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  more: Partial<LoadedResource> = {},
): LoadedResource {
  return {
    stackName: 'S',
    logicalId,
    type,
    properties: properties as never,
    physicalName: logicalId,
    ref: logicalId,
    attributes: {},
    metadata: {},
    ...more,
  };
}

/** A role named Worker with `policy` (and `boundary`), a queue with `queuePolicy`, a key with `keyPolicy`. */
function store(options: {
  policy?: unknown;
  boundary?: unknown;
  queuePolicy?: unknown;
  keyPolicy?: unknown;
  managed?: string[];
}): PolicyStore {
  const resources: LoadedResource[] = [
    resource(
      'Worker',
      'AWS::IAM::Role',
      {
        ...(options.policy ? { Policies: [{ PolicyName: 'inline', PolicyDocument: options.policy }] } : {}),
        ...(options.managed ? { ManagedPolicyArns: options.managed } : {}),
        ...(options.boundary ? { PermissionsBoundary: `arn:aws:iam::${account}:policy/Boundary` } : {}),
      },
      { ref: 'Worker', attributes: { Arn: roleArn } },
    ),
    resource('Queue', 'AWS::SQS::Queue', {}, { ref: queueUrl, attributes: { Arn: queueArn } }),
  ];
  if (options.boundary)
    resources.push(
      resource(
        'Boundary',
        'AWS::IAM::ManagedPolicy',
        { PolicyDocument: options.boundary },
        { ref: `arn:aws:iam::${account}:policy/Boundary` },
      ),
    );
  if (options.queuePolicy)
    resources.push(resource('QueuePolicy', 'AWS::SQS::QueuePolicy', { Queues: [queueUrl], PolicyDocument: options.queuePolicy }));
  if (options.keyPolicy)
    resources.push(resource('Key', 'AWS::KMS::Key', { KeyPolicy: options.keyPolicy }, { attributes: { Arn: keyArn } }));
  const app: LoadedApp = {
    stacks: [{ stackName: 'S', resources, outputs: {}, exports: {}, description: {} as never, template: {} }],
    warnings: [],
  };
  return PolicyStore.fromApp(app, { accountId: account, region, resourcePolicies: RESOURCE_POLICIES });
}

const allow = (Action: string | string[], Resource: string | string[] = '*', more: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...more }],
});
const role = { kind: 'role', roleArn, sessionName: 'fn' } as const;
const send: IamRequest = { principal: role, action: 'sqs:SendMessage', resource: queueArn };

async function decide(s: PolicyStore, request: IamRequest) {
  return new IamEvaluator(s, { accountId: account }).decide(request);
}

describe('IamEvaluator', () => {
  it('allows what an identity policy allows on the resource, and nothing else', async () => {
    const s = store({ policy: allow('sqs:SendMessage', queueArn) });
    expect((await decide(s, send)).allowed).toBe(true);
    expect((await decide(s, { ...send, action: 'sqs:PurgeQueue' })).denial?.kind).toBe('no-identity-policy');
    expect((await decide(s, { ...send, resource: `${queueArn}-other` })).allowed).toBe(false);
  });

  it('lets an explicit deny win over an allow (the evaluation logic: deny first)', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
        { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: queueArn },
      ],
    };
    const decision = await decide(store({ policy }), send);
    expect(decision).toEqual({ allowed: false, denial: { kind: 'explicit-deny', policy: 'identity-based policy' } });
    expect(describeDenial(send, decision)).toBe(
      `User: arn:aws:sts::${account}:assumed-role/Worker/fn is not authorized to perform: sqs:SendMessage on resource: ${queueArn} with an explicit deny in an identity-based policy`,
    );
  });

  it('allows a role of the same account that a resource policy names, with no identity policy (either one suffices in one account)', async () => {
    const queuePolicy = allow('sqs:SendMessage', queueArn, { Principal: { AWS: roleArn } });
    expect((await decide(store({ queuePolicy }), send)).allowed).toBe(true);
  });

  it('allows a service principal only through a resource policy, and only for the source its condition names', async () => {
    const rule = `arn:aws:events:${region}:${account}:rule/orders`;
    const queuePolicy = allow('sqs:SendMessage', queueArn, {
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': rule } },
    });
    const events = {
      principal: { kind: 'service', service: 'events.amazonaws.com' } as const,
      action: 'sqs:SendMessage',
      resource: queueArn,
    };
    expect((await decide(store({ queuePolicy }), { ...events, context: { 'aws:SourceArn': rule } })).allowed).toBe(true);
    const other = await decide(store({ queuePolicy }), { ...events, context: { 'aws:SourceArn': `${rule}-other` } });
    expect(other.denial?.kind).toBe('no-resource-policy');
    expect((await decide(store({}), events)).denial?.kind).toBe('no-resource-policy');
  });

  it('caps an identity policy with the permissions boundary', async () => {
    const s = store({ policy: allow('sqs:*'), boundary: allow('sqs:ReceiveMessage') });
    expect((await decide(s, { ...send, action: 'sqs:ReceiveMessage' })).allowed).toBe(true);
    const decision = await decide(s, send);
    expect(decision.denial?.kind).toBe('permissions-boundary');
    expect(describeDenial(send, decision)).toContain('because no permissions boundary allows the sqs:SendMessage action');
  });

  it('needs a KMS key policy: an IAM policy alone counts only when the key policy delegates to the account', async () => {
    const use = { principal: role, action: 'kms:Decrypt', resource: keyArn };
    const own = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'kms:*', Resource: '*' }],
    };
    expect((await decide(store({ policy: allow('kms:Decrypt', keyArn), keyPolicy: own }), use)).allowed).toBe(false);
    const delegating = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
    };
    expect((await decide(store({ policy: allow('kms:Decrypt', keyArn), keyPolicy: delegating }), use)).allowed).toBe(true);
  });

  it('needs both sides across accounts: an identity allow without the resource policy is refused', async () => {
    const foreign = `arn:aws:sqs:${region}:444455556666:theirs`;
    const decision = await decide(store({ policy: allow('sqs:SendMessage', foreign) }), { ...send, resource: foreign });
    expect(decision.denial?.kind).toBe('no-resource-policy');
  });

  it('grants through the AWS managed policies CDK attaches', async () => {
    const s = store({ managed: ['arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole'] });
    expect((await decide(s, { ...send, action: 'sqs:ReceiveMessage' })).allowed).toBe(true);
    expect((await decide(s, send)).allowed).toBe(false);
  });

  it('names the grant that fixes a refusal', () => {
    expect(grantHint(send)).toBe(`queue.grantSendMessages(Worker) on ${queueArn}`);
    expect(
      grantHint({ principal: { kind: 'service', service: 'events.amazonaws.com' }, action: 'kms:GenerateDataKey', resource: keyArn }),
    ).toContain("key.grantEncryptDecrypt(new ServicePrincipal('events.amazonaws.com'))");
  });
});

describe('PolicyStore', () => {
  it('fails if a policy holds an unknown action, an unknown operator, a document that is not one or an unknown managed policy: each is a problem that grants nothing, and the rest still grants', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['eventsv2:PutEvents', 'sqs:SendMessage'], Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:PurgeQueue', Resource: '*', Condition: { StringEqualz: { 'aws:SourceAccount': account } } },
      ],
    };
    const s = store({ policy, managed: ['arn:aws:iam::aws:policy/NoSuchPolicy'], queuePolicy: 'not json' });
    expect(s.problems.map((p) => p.problem)).toEqual([
      expect.stringContaining('unknown action eventsv2:PutEvents (AWS has no service eventsv2)'),
      expect.stringContaining('unknown condition operator StringEqualz'),
      expect.stringContaining('managed policy arn:aws:iam::aws:policy/NoSuchPolicy is not known'),
      expect.stringContaining('not JSON'),
    ]);
    expect(s.problems[0]?.holder).toBe('S/Worker (AWS::IAM::Role) inline policy inline');
    // The rest of the policy still grants what it names.
    expect((await decide(s, send)).allowed).toBe(true);
    expect((await decide(s, { ...send, action: 'sqs:PurgeQueue' })).allowed).toBe(false);
  });

  it('turns a Lambda permission into the statement GetPolicy shows, on the function a name or ARN names', () => {
    const app: LoadedApp = {
      stacks: [
        {
          stackName: 'S',
          resources: [
            resource('Allow', 'AWS::Lambda::Permission', {
              FunctionName: 'worker',
              Action: 'lambda:InvokeFunction',
              Principal: 's3.amazonaws.com',
              SourceArn: 'arn:aws:s3:::uploads',
              SourceAccount: account,
            }),
          ],
          outputs: {},
          exports: {},
          description: {} as never,
          template: {},
        },
      ],
      warnings: [],
    };
    const s = PolicyStore.fromApp(app, { accountId: account, region, resourcePolicies: RESOURCE_POLICIES });
    expect(s.resourcePolicy(`arn:aws:lambda:${region}:${account}:function:worker`)?.Statement).toEqual([
      {
        Sid: 'Allow',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: `arn:aws:lambda:${region}:${account}:function:worker`,
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::uploads' }, StringEquals: { 'AWS:SourceAccount': account } },
      },
    ]);
  });
});
