import { describe, expect, it } from 'vitest';
import { IamEvaluator } from '../../../local/iam/evaluator.js';
import { PolicyStore } from '../../../local/iam/policy-store.js';
import { ACCOUNT, app, doc, queue, REGION, RESOURCE_POLICIES, resource, role, statement } from './fixtures.js';

const options = { accountId: ACCOUNT, region: REGION, resourcePolicies: RESOURCE_POLICIES };
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/service/Worker`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;

describe('PolicyStore', () => {
  it("collects a role's inline, AWS::IAM::Policy, customer managed and AWS managed policies under its ARN with its path", () => {
    const managedArn = `arn:aws:iam::${ACCOUNT}:policy/Shared`;
    const store = PolicyStore.fromApp(
      app(
        resource('Shared', 'AWS::IAM::ManagedPolicy', { PolicyDocument: doc(statement('Allow', 'sns:Publish', '*')) }, { ref: managedArn }),
        role(
          'WorkerRole',
          'Worker',
          {
            Policies: [{ PolicyName: 'Inline', PolicyDocument: doc(statement('Allow', 'sqs:SendMessage', QUEUE_ARN)) }],
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', managedArn],
          },
          '/service/',
        ),
        resource('WorkerRoleDefaultPolicy', 'AWS::IAM::Policy', {
          PolicyName: 'WorkerRoleDefaultPolicy',
          Roles: ['Worker'],
          PolicyDocument: doc(statement('Allow', 'dynamodb:GetItem', '*')),
        }),
        resource('AlsoShared', 'AWS::IAM::ManagedPolicy', {
          Roles: ['Worker'],
          PolicyDocument: doc(statement('Allow', 'ssm:GetParameter', '*')),
        }),
      ),
      options,
    );
    const policies = store.identityPolicies(ROLE_ARN);
    expect(policies.map((p) => p.name)).toEqual([
      'App/WorkerRole inline Inline',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'App/Shared',
      'App/WorkerRoleDefaultPolicy',
      'App/AlsoShared',
    ]);
    expect(policies[1]?.policy.Statement[0]?.Action).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(store.roles()).toEqual([
      { roleArn: ROLE_ARN, holder: 'App/WorkerRole (AWS::IAM::Role)', policies: policies.map((p) => p.name) },
    ]);
    expect(store.problems).toEqual([]);
  });

  it('ships the AWS managed policies CDK constructs attach, by full ARN or by name alone', () => {
    const arns = [
      'service-role/AWSLambdaVPCAccessExecutionRole',
      'service-role/AWSLambdaSQSQueueExecutionRole',
      'service-role/AWSLambdaDynamoDBExecutionRole',
      'service-role/AWSLambdaKinesisExecutionRole',
      'service-role/AWSLambdaRole',
      // Not under service-role/: attached by name in public apps (serverless-patterns' s3-lambda-dynamodb-cdk).
      'AWSLambdaInvocation-DynamoDB',
      'AWSXRayDaemonWriteAccess',
      'CloudWatchLambdaInsightsExecutionRolePolicy',
      'AmazonSQSFullAccess',
      'AmazonDynamoDBFullAccess',
      'AmazonS3ReadOnlyAccess',
      'AmazonEventBridgeFullAccess',
      'AWSStepFunctionsFullAccess',
      'AmazonBedrockFullAccess',
      'AdministratorAccess',
    ].map((key) => `arn:aws:iam::aws:policy/${key}`);
    const store = PolicyStore.fromApp(app(role('R', 'R', { ManagedPolicyArns: arns })), options);
    expect(store.problems).toEqual([]);
    expect(store.identityPolicies(`arn:aws:iam::${ACCOUNT}:role/R`)).toHaveLength(arns.length);
  });

  it("ships AWSLambdaBasicDurableExecutionRolePolicy, which CDK's durableConfig attaches: the role may checkpoint its durable executions and write its logs", async () => {
    // AWS's document (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicDurableExecutionRolePolicy.html):
    // logs:CreateLogGroup, CreateLogStream, PutLogEvents, lambda:CheckpointDurableExecution, GetDurableExecutionState on *.
    const store = PolicyStore.fromApp(
      app(role('R', 'R', { ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy'] })),
      options,
    );
    expect(store.problems).toEqual([]);
    const iam = new IamEvaluator(store, { accountId: ACCOUNT });
    const asRole = (action: string, resourceArn: string) => ({
      principal: { kind: 'role' as const, roleArn: `arn:aws:iam::${ACCOUNT}:role/R`, sessionName: 'fn' },
      action,
      resource: resourceArn,
    });
    const execution = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn:$LATEST/durable-execution/e1/i1`;
    expect(await iam.decide(asRole('lambda:CheckpointDurableExecution', execution))).toEqual({ allowed: true });
    expect(await iam.decide(asRole('lambda:GetDurableExecutionState', execution))).toEqual({ allowed: true });
    expect(
      await iam.decide(asRole('logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/fn:log-stream:s`)),
    ).toEqual({
      allowed: true,
    });
    // It grants nothing else: a durable function still needs its own grant to, say, send callbacks.
    expect(
      (await iam.decide(asRole('lambda:SendDurableExecutionCallbackSuccess', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn`))).allowed,
    ).toBe(false);
  });

  it('names an unknown managed policy as a problem of its role, which grants nothing and keeps its other policies', () => {
    const store = PolicyStore.fromApp(
      app(
        role('R', 'R', {
          ManagedPolicyArns: ['arn:aws:iam::aws:policy/NoSuchPolicyAtAll', 'arn:aws:iam::aws:policy/AmazonSQSFullAccess'],
        }),
      ),
      options,
    );
    expect(store.problems).toEqual([{ holder: 'App/R (AWS::IAM::Role)', problem: expect.stringContaining('NoSuchPolicyAtAll') }]);
    expect(store.problems[0]?.problem).toContain('grants nothing');
    expect(store.identityPolicies(`arn:aws:iam::${ACCOUNT}:role/R`).map((p) => p.name)).toEqual([
      'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
    ]);
  });

  it('names an unknown action, an unknown condition operator and a document that is not one with their holders, keeping the rest', () => {
    const store = PolicyStore.fromApp(
      app(
        role('R', 'R', {
          Policies: [
            {
              PolicyName: 'Mixed',
              PolicyDocument: doc(
                statement('Allow', ['eventsv2:PutEvents', 'events:PutEvents'], '*'),
                statement('Allow', 'sqs:Send*', '*'),
                statement('Allow', 'sns:Publish', '*', { Condition: { StringEqualz: { 'aws:SourceAccount': ACCOUNT } } }),
              ),
            },
            { PolicyName: 'Broken', PolicyDocument: '{"Statement": [' },
          ],
        }),
      ),
      options,
    );
    const problems = store.problems.map((p) => `${p.holder}: ${p.problem}`);
    expect(problems).toEqual([
      expect.stringMatching(
        /^App\/R \(AWS::IAM::Role\) inline policy Mixed: statement 1: unknown action eventsv2:PutEvents \(AWS has no service eventsv2\): AWS accepts the policy and this grants nothing/,
      ),
      expect.stringMatching(/inline policy Mixed: statement 3 has an unknown condition operator StringEqualz/),
      expect.stringMatching(/inline policy Broken: the policy document is not JSON/),
    ]);
    const [mixed] = store.identityPolicies(`arn:aws:iam::${ACCOUNT}:role/R`);
    expect(mixed?.policy.Statement).toEqual([statement('Allow', ['events:PutEvents'], '*'), statement('Allow', 'sqs:Send*', '*')]);
  });

  it('names a wildcard action that matches nothing, and a typo in an action name', () => {
    const store = PolicyStore.fromApp(
      app(
        role('R', 'R', { Policies: [{ PolicyName: 'P', PolicyDocument: doc(statement('Allow', ['sqs:Sendz*', 'sqs:SendMesage'], '*')) }] }),
      ),
      options,
    );
    expect(store.problems.map((p) => p.problem)).toEqual([
      expect.stringContaining('action sqs:Sendz* matches no action of sqs'),
      expect.stringContaining('unknown action sqs:SendMesage'),
    ]);
    expect(store.identityPolicies(`arn:aws:iam::${ACCOUNT}:role/R`)[0]?.policy.Statement).toEqual([]);
  });

  it("holds a role's permissions boundary, and a boundary it cannot read as one that allows nothing", () => {
    const store = PolicyStore.fromApp(
      app(
        role('A', 'A', { PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess' }),
        role('B', 'B', { PermissionsBoundary: 'arn:aws:iam::aws:policy/Unknown' }),
        role('C', 'C'),
      ),
      options,
    );
    expect(store.permissionsBoundary(`arn:aws:iam::${ACCOUNT}:role/A`)?.Statement[0]?.Action).toEqual(['sqs:*']);
    expect(store.permissionsBoundary(`arn:aws:iam::${ACCOUNT}:role/B`)).toEqual({ Statement: [] });
    expect(store.permissionsBoundary(`arn:aws:iam::${ACCOUNT}:role/C`)).toBeUndefined();
  });

  it('keys a queue policy by the ARN of the queue whose URL it names', () => {
    const policy = doc({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE_ARN });
    const store = PolicyStore.fromApp(
      app(
        queue('Orders', 'orders'),
        resource('OrdersPolicy', 'AWS::SQS::QueuePolicy', {
          Queues: ['http://localhost:4566/111111111111/orders'],
          PolicyDocument: policy,
        }),
      ),
      options,
    );
    expect(store.resourcePolicy(QUEUE_ARN)).toEqual(policy);
  });

  it('turns a Lambda permission into the statement GetPolicy shows, on the qualified ARN it names', () => {
    const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:handler`;
    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`;
    const store = PolicyStore.fromApp(
      app(
        resource('AllowRule', 'AWS::Lambda::Permission', {
          FunctionName: 'handler',
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: rule,
          SourceAccount: ACCOUNT,
        }),
        resource('AllowAccount', 'AWS::Lambda::Permission', {
          FunctionName: `${fn}:live`,
          Action: 'lambda:InvokeFunction',
          Principal: '222222222222',
        }),
      ),
      options,
    );
    expect(store.resourcePolicy(fn)?.Statement).toEqual([
      {
        Sid: 'AllowRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: fn,
        Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT }, ArnLike: { 'AWS:SourceArn': rule } },
      },
    ]);
    expect(store.resourcePolicy(`${fn}:live`)?.Statement[0]?.Principal).toEqual({ AWS: 'arn:aws:iam::222222222222:root' });
    expect(store.resourcePolicy(`${fn}:$LATEST`)).toBe(store.resourcePolicy(fn));
  });

  it("keys topic, bus, key, bucket and secret policies; an object's is its bucket's; a key without one has the default", () => {
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
    const secret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf`;
    const allow = (action: string) =>
      doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: action, Resource: '*' });
    const store = PolicyStore.fromApp(
      app(
        resource('TopicPolicy', 'AWS::SNS::TopicPolicy', { Topics: [topic], PolicyDocument: allow('sns:Publish') }),
        resource('BusPolicy', 'AWS::Events::EventBusPolicy', {
          EventBusName: 'orders',
          StatementId: 'Partner',
          Action: 'events:PutEvents',
          Principal: '222222222222',
        }),
        resource(
          'Key',
          'AWS::KMS::Key',
          { KeyPolicy: allow('kms:*') },
          { ref: 'k1', attributes: { Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1` } },
        ),
        resource('BareKey', 'AWS::KMS::Key', {}, { ref: 'k2', attributes: { Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k2` } }),
        resource('BucketPolicy', 'AWS::S3::BucketPolicy', { Bucket: 'uploads', PolicyDocument: allow('s3:GetObject') }),
        resource('Secret', 'AWS::SecretsManager::Secret', { Name: 'db' }, { ref: secret }),
        resource('SecretPolicy', 'AWS::SecretsManager::ResourcePolicy', {
          SecretId: 'db',
          ResourcePolicy: allow('secretsmanager:GetSecretValue'),
        }),
      ),
      options,
    );
    expect(store.resourcePolicy(topic)?.Statement[0]?.Action).toBe('sns:Publish');
    expect(store.resourcePolicy(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`)?.Statement).toEqual([
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`,
      },
    ]);
    expect(store.resourcePolicy(`arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`)?.Statement[0]?.Action).toBe('kms:*');
    expect(store.resourcePolicy(`arn:aws:kms:${REGION}:${ACCOUNT}:key/k2`)?.Statement[0]?.Principal).toEqual({
      AWS: `arn:aws:iam::${ACCOUNT}:root`,
    });
    expect(store.resourcePolicy('arn:aws:s3:::uploads/a/b.txt')).toBe(store.resourcePolicy('arn:aws:s3:::uploads'));
    expect(store.resourcePolicy('arn:aws:s3:::uploads')).toBeDefined();
    expect(store.resourcePolicy(secret)?.Statement[0]?.Action).toBe('secretsmanager:GetSecretValue');
    expect(store.problems).toEqual([]);
  });

  it('fails if a resource policy names no Principal: named as a problem, the statement left out', () => {
    const store = PolicyStore.fromApp(
      app(
        resource('TopicPolicy', 'AWS::SNS::TopicPolicy', {
          Topics: ['arn:aws:sns:us-east-1:111111111111:t'],
          PolicyDocument: doc(statement('Allow', 'sns:Publish', '*')),
        }),
      ),
      options,
    );
    expect(store.problems).toEqual([
      { holder: 'App/TopicPolicy (AWS::SNS::TopicPolicy)', problem: expect.stringContaining('statement 1 names no Principal') },
    ]);
  });

  it('sets and removes a policy at run time (SetQueueAttributes Policy as text), counting each change', () => {
    const store = PolicyStore.fromApp(app(queue('Orders', 'orders')), options);
    const before = store.revision;
    store.setResourcePolicy(
      QUEUE_ARN,
      JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: QUEUE_ARN })),
    );
    expect(store.resourcePolicy(QUEUE_ARN)?.Statement).toHaveLength(1);
    store.setResourcePolicy(QUEUE_ARN, undefined);
    expect(store.resourcePolicy(QUEUE_ARN)).toBeUndefined();
    expect(store.revision).toBe(before + 2);
  });
});
