import { describe, expect, it } from 'vitest';
import { describeDenial, grantHint, IamEvaluator } from '../../../local/iam/evaluator.js';
import { PolicyStore } from '../../../local/iam/policy-store.js';
import type { IamRequest } from '../../../local/iam/types.js';
import type { LoadedResource } from '../../../local/template/load.js';
import { ACCOUNT, app, doc, OTHER_ACCOUNT, queue, REGION, RESOURCE_POLICIES, resource, role, statement } from './fixtures.js';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app/Worker`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/orders-to-queue`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`;
const asRole = (action: string, resourceArn: string, roleArn = ROLE_ARN): IamRequest => ({
  principal: { kind: 'role', roleArn, sessionName: 'session' },
  action,
  resource: resourceArn,
});
const asService = (action: string, resourceArn: string, sourceArn = RULE_ARN): IamRequest => ({
  principal: { kind: 'service', service: 'events.amazonaws.com' },
  action,
  resource: resourceArn,
  context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': ACCOUNT },
});
const worker = (statements: unknown[], extra: Record<string, unknown> = {}) =>
  role('Worker', 'Worker', { Policies: [{ PolicyName: 'P', PolicyDocument: doc(...statements) }], ...extra }, '/app/');
const queuePolicy = (...statements: unknown[]) =>
  resource('OrdersPolicy', 'AWS::SQS::QueuePolicy', {
    Queues: [`http://localhost:4566/${ACCOUNT}/orders`],
    PolicyDocument: doc(...statements),
  });
const evaluator = (...resources: LoadedResource[]) =>
  new IamEvaluator(
    PolicyStore.fromApp(app(queue('Orders', 'orders'), ...resources), {
      accountId: ACCOUNT,
      region: REGION,
      resourcePolicies: RESOURCE_POLICIES,
    }),
    {
      accountId: ACCOUNT,
    },
  );

describe('IamEvaluator', () => {
  it('allows what an identity policy allows in the same account, and refuses what none does', async () => {
    const iam = evaluator(worker([statement('Allow', 'sqs:SendMessage', QUEUE_ARN)]));
    expect(await iam.decide(asRole('sqs:SendMessage', QUEUE_ARN))).toEqual({ allowed: true });
    expect(await iam.decide(asRole('sqs:PurgeQueue', QUEUE_ARN))).toEqual({ allowed: false, denial: { kind: 'no-identity-policy' } });
  });

  it('lets an explicit deny in an identity policy beat an allow', async () => {
    const iam = evaluator(worker([statement('Allow', 'sqs:*', '*'), statement('Deny', 'sqs:SendMessage', QUEUE_ARN)]));
    expect(await iam.decide(asRole('sqs:SendMessage', QUEUE_ARN))).toEqual({
      allowed: false,
      denial: { kind: 'explicit-deny', policy: 'identity-based policy' },
    });
  });

  it("allows a role of the same account that only the resource policy names (by the role's ARN with its path)", async () => {
    const iam = evaluator(
      worker([]),
      queuePolicy({ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN }),
    );
    expect(await iam.decide(asRole('sqs:SendMessage', QUEUE_ARN))).toEqual({ allowed: true });
  });

  it('lets an explicit deny in a resource policy beat an identity allow', async () => {
    const iam = evaluator(
      worker([statement('Allow', 'sqs:SendMessage', QUEUE_ARN)]),
      queuePolicy({ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: QUEUE_ARN }),
    );
    const decision = await iam.decide(asRole('sqs:SendMessage', QUEUE_ARN));
    expect(decision).toEqual({ allowed: false, denial: { kind: 'explicit-deny', policy: 'resource-based policy' } });
    expect(describeDenial(asRole('sqs:SendMessage', QUEUE_ARN), decision)).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/Worker/session is not authorized to perform: sqs:SendMessage on resource: ${QUEUE_ARN} with an explicit deny in a resource-based policy`,
    );
  });

  it('lets a service principal in only through a resource policy whose aws:SourceArn matches', async () => {
    const withoutPolicy = evaluator();
    expect(await withoutPolicy.decide(asService('sqs:SendMessage', QUEUE_ARN))).toEqual({
      allowed: false,
      denial: { kind: 'no-resource-policy', policy: 'resource-based policy' },
    });
    const iam = evaluator(
      queuePolicy({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: QUEUE_ARN,
        Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
      }),
    );
    expect(await iam.decide(asService('sqs:SendMessage', QUEUE_ARN))).toEqual({ allowed: true });
    expect((await iam.decide(asService('sqs:SendMessage', QUEUE_ARN, `${RULE_ARN}-other`))).allowed).toBe(false);
  });

  it("evaluates a Lambda permission's SourceArn as GetPolicy's ArnLike condition", async () => {
    const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:handler`;
    const iam = evaluator(
      resource('Allow', 'AWS::Lambda::Permission', {
        FunctionName: fn,
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: RULE_ARN,
      }),
    );
    expect(await iam.decide(asService('lambda:InvokeFunction', fn))).toEqual({ allowed: true });
    expect((await iam.decide(asService('lambda:InvokeFunction', fn, `arn:aws:events:${REGION}:${ACCOUNT}:rule/other`))).allowed).toBe(
      false,
    );
  });

  it("caps a role's identity policies by its permissions boundary", async () => {
    const iam = evaluator(
      worker([statement('Allow', ['sqs:SendMessage', 'sns:Publish'], '*')], {
        PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
      }),
    );
    expect(await iam.decide(asRole('sqs:SendMessage', QUEUE_ARN))).toEqual({ allowed: true });
    const decision = await iam.decide(asRole('sns:Publish', `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`));
    expect(decision).toEqual({ allowed: false, denial: { kind: 'permissions-boundary' } });
    expect(describeDenial(asRole('sns:Publish', 'arn:aws:sns:us-east-1:111111111111:alerts'), decision)).toMatch(
      /because no permissions boundary allows the sns:Publish action$/,
    );
  });

  it("needs a key policy that trusts the account (or names the role) for KMS, whatever the role's policies allow", async () => {
    const key = (policy: unknown) => resource('Key', 'AWS::KMS::Key', { KeyPolicy: policy }, { ref: 'k1', attributes: { Arn: KEY_ARN } });
    const identity = worker([statement('Allow', 'kms:Decrypt', KEY_ARN)]);
    const onlyAdmin = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: 'kms:*', Resource: '*' });
    const withRoot = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' });
    expect(await evaluator(identity, key(onlyAdmin)).decide(asRole('kms:Decrypt', KEY_ARN))).toEqual({
      allowed: false,
      denial: { kind: 'resource-policy-required', policy: 'resource-based policy' },
    });
    expect(await evaluator(identity, key(withRoot)).decide(asRole('kms:Decrypt', KEY_ARN))).toEqual({ allowed: true });
  });

  it('needs both sides across accounts: the caller allowed by its identity policy and the resource policy trusting it', async () => {
    const otherQueue = `arn:aws:sqs:${REGION}:${OTHER_ACCOUNT}:partner`;
    const identity = worker([statement('Allow', 'sqs:SendMessage', otherQueue)]);
    const iam = evaluator(identity);
    expect(await iam.decide(asRole('sqs:SendMessage', otherQueue))).toEqual({
      allowed: false,
      denial: { kind: 'no-resource-policy', policy: 'resource-based policy' },
    });
    const store = PolicyStore.fromApp(app(identity), { accountId: ACCOUNT, region: REGION, resourcePolicies: RESOURCE_POLICIES });
    store.setResourcePolicy(
      otherQueue,
      doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sqs:SendMessage', Resource: otherQueue }),
    );
    const both = new IamEvaluator(store, { accountId: ACCOUNT });
    expect(await both.decide(asRole('sqs:SendMessage', otherQueue))).toEqual({ allowed: true });
    expect((await both.decide(asRole('sqs:SendMessage', otherQueue, `arn:aws:iam::${ACCOUNT}:role/Nobody`))).denial?.kind).toBe(
      'no-identity-policy',
    );
  });

  it('forgets its cached decisions when a resource policy changes at run time', async () => {
    const store = PolicyStore.fromApp(app(queue('Orders', 'orders')), {
      accountId: ACCOUNT,
      region: REGION,
      resourcePolicies: RESOURCE_POLICIES,
    });
    const iam = new IamEvaluator(store, { accountId: ACCOUNT });
    expect((await iam.decide(asService('sqs:SendMessage', QUEUE_ARN))).allowed).toBe(false);
    store.setResourcePolicy(
      QUEUE_ARN,
      doc({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN }),
    );
    expect((await iam.decide(asService('sqs:SendMessage', QUEUE_ARN))).allowed).toBe(true);
  });

  it('allows the administrator without evaluating anything', async () => {
    expect(await evaluator().decide({ principal: { kind: 'admin' }, action: 'eventsv2:PutEvents', resource: '*' })).toEqual({
      allowed: true,
    });
  });

  it('fails if the action does not exist: refused with a reason, never thrown', async () => {
    const decision = await evaluator(worker([statement('Allow', '*', '*')])).decide(asRole('eventsv2:PutEvents', '*'));
    expect(decision.allowed).toBe(false);
    expect(decision.denial?.policy).toMatch(/could not evaluate eventsv2:PutEvents on \*: AWS has no such service/);
    expect(describeDenial(asRole('eventsv2:PutEvents', '*'), decision)).toMatch(
      /because no identity-based policy allows the eventsv2:PutEvents action \(the local IAM check/,
    );
  });

  it('authorizes a wildcard-only action on *, whatever resource the request names', async () => {
    const iam = evaluator(worker([statement('Allow', 'sqs:ListQueues', '*')]));
    expect(await iam.decide(asRole('sqs:ListQueues', QUEUE_ARN))).toEqual({ allowed: true });
  });

  it("authorizes a task token's SendTaskSuccess on the state machine that handed it out, as AWS does though the reference gives it no resource type", async () => {
    const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Parent`;
    const granted = evaluator(worker([statement('Allow', 'states:SendTaskSuccess', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:*`)]));
    expect(await granted.decide(asRole('states:SendTaskSuccess', machine))).toEqual({ allowed: true });
    const elsewhere = evaluator(
      worker([statement('Allow', 'states:SendTaskSuccess', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Other`)]),
    );
    expect((await elsewhere.decide(asRole('states:SendTaskSuccess', machine))).allowed).toBe(false);
    const anywhere = evaluator(worker([statement('Allow', 'states:SendTaskSuccess', '*')]));
    expect(await anywhere.decide(asRole('states:SendTaskSuccess', machine))).toEqual({ allowed: true });
  });

  it('is fast once a decision is cached (p50 and p99 printed, not asserted)', async () => {
    const iam = evaluator(worker([statement('Allow', 'sqs:SendMessage', QUEUE_ARN)]));
    const time = async (request: () => IamRequest, n: number) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        await iam.decide(request());
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      return { p50: samples[Math.floor(n * 0.5)]?.toFixed(3), p99: samples[Math.floor(n * 0.99)]?.toFixed(3) };
    };
    let i = 0;
    const uncached = await time(() => ({ ...asRole('sqs:SendMessage', QUEUE_ARN), context: { n: String(i++) } }), 300);
    const cached = await time(() => asRole('sqs:SendMessage', QUEUE_ARN), 3000);
    console.log(`decide() ms: uncached p50 ${uncached.p50} p99 ${uncached.p99}; cached p50 ${cached.p50} p99 ${cached.p99}`);
  });
});

describe('grantHint', () => {
  it("names the CDK grant for a role's refused action, the statement a service principal needs, and a generic grant otherwise", () => {
    expect(grantHint(asRole('sqs:SendMessage', QUEUE_ARN))).toBe(`queue.grantSendMessages(Worker) on ${QUEUE_ARN}`);
    expect(grantHint(asService('sqs:SendMessage', QUEUE_ARN))).toBe(
      `add a resource policy statement allowing events.amazonaws.com sqs:SendMessage on ${QUEUE_ARN} with aws:SourceArn ${RULE_ARN}`,
    );
    expect(grantHint(asRole('ec2:DescribeVpcs', '*'))).toBe('grant ec2:DescribeVpcs on * to Worker');
  });
});
