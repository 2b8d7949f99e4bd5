import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../../local/iam/policy-documents.js';
import { ask, policy, user } from './ask.js';

/**
 * The examples of "IAM JSON policy elements: Condition operators", "Creating a condition
 * with multiple keys or values" (and "Single-valued vs. multivalued context keys") and
 * "IAM policy elements: Variables and tags", each with the answer the page gives.
 */

const ACCOUNT = '111122223333';
const alice = user(ACCOUNT, 'alice');
/** Whether one statement (Allow, on everything) applies to a request with `context`. */
const holds = (condition: Record<string, unknown>, context: Record<string, string | string[]> = {}, principal = alice) =>
  ask({
    principal,
    action: 'iam:CreateAccessKey',
    resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
    context,
    identity: [policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: condition })],
  }) === 'allowed';

describe('"Condition operators": the string operators', () => {
  it('StringEquals aws:PrincipalTag/job-category: a principal tagged iamuser-admin only; no tag, no match', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } };
    expect(holds(condition, { 'aws:PrincipalTag/job-category': 'iamuser-admin' })).toBe(true);
    expect(holds(condition, { 'aws:PrincipalTag/job-category': 'IAMUser-Admin' })).toBe(false);
    expect(holds(condition)).toBe(false);
  });

  it('StringEquals is case sensitive, StringEqualsIgnoreCase is not ("IAM JSON policy elements: Condition", johndoe)', () => {
    expect(holds({ StringEquals: { 'aws:username': 'johndoe' } }, {}, user(ACCOUNT, 'JohnDoe'))).toBe(false);
    expect(holds({ StringEqualsIgnoreCase: { 'aws:username': 'johndoe' } }, {}, user(ACCOUNT, 'JohnDoe'))).toBe(true);
  });

  it('condition key names are not case sensitive: aws:SourceIP is aws:SourceIp', () => {
    expect(holds({ IpAddress: { 'AWS:SOURCEIP': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.9' })).toBe(true);
  });

  it("StringLike s3:prefix with ${aws:username}: the user's own home directory, '' and home/", () => {
    const home = policy(
      { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::*' },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::BUCKET-NAME',
        Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/'] } },
      },
      {
        Effect: 'Allow',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::BUCKET-NAME/home/${aws:username}', 'arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*'],
      },
    );
    const list = (prefix: string) =>
      ask({
        principal: alice,
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::BUCKET-NAME',
        context: { 's3:prefix': prefix },
        identity: [home],
      });
    expect(['', 'home/', 'home/alice/'].map(list)).toEqual(['allowed', 'allowed', 'allowed']);
    expect(list('home/bob/')).toBe('implicit-deny');
    const get = (key: string) =>
      ask({ principal: alice, action: 's3:GetObject', resource: `arn:aws:s3:::BUCKET-NAME/${key}`, identity: [home] });
    expect(get('home/alice/notes.txt')).toBe('allowed');
    expect(get('home/bob/notes.txt')).toBe('implicit-deny');
  });
});

describe('"Condition operators": numeric, date, Boolean, binary and IP address operators', () => {
  it('NumericLessThanEquals s3:max-keys 10: up to 10 objects at a time; a key that is absent does not match', () => {
    const condition = { NumericLessThanEquals: { 's3:max-keys': '10' } };
    expect(holds(condition, { 's3:max-keys': '10' })).toBe(true);
    expect(holds(condition, { 's3:max-keys': '11' })).toBe(false);
    expect(holds(condition)).toBe(false);
  });

  it('DateGreaterThan aws:TokenIssueTime: credentials issued after the date; long-term keys carry no such key and do not match', () => {
    const condition = { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } };
    expect(holds(condition, { 'aws:TokenIssueTime': '2020-06-01T00:00:00Z' })).toBe(true);
    expect(holds(condition, { 'aws:TokenIssueTime': '2019-12-31T00:00:00Z' })).toBe(false);
    expect(holds(condition)).toBe(false);
  });

  it('dates are ISO 8601 or epoch (UNIX) time, compared as instants', () => {
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '1735689600' } }, { 'aws:CurrentTime': '2024-06-01T12:00:00Z' })).toBe(true);
    expect(holds({ DateEquals: { 'aws:EpochTime': '2025-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1735689600' })).toBe(true);
  });

  it('Bool aws:SecureTransport false: the Deny applies to a request not sent over TLS only', () => {
    const deny = policy({
      Sid: 'BooleanExample',
      Action: 's3:*',
      Effect: 'Deny',
      Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const allow = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    const get = (secure: string) =>
      ask({
        principal: alice,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/a',
        context: { 'aws:SecureTransport': secure },
        identity: [allow, deny],
      });
    expect(get('false')).toBe('explicit-deny');
    expect(get('true')).toBe('allowed');
  });

  it('BinaryEquals compares the base-64 value byte for byte', () => {
    expect(holds({ BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } }, { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' })).toBe(true);
    expect(holds({ BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } }, { key: 'T3RoZXI=' })).toBe(false);
  });

  it('IpAddress 203.0.113.0/24, a bare address as /32, and IPv4 with IPv6 ranges mixed; NotIpAddress the rest', () => {
    const mixed = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64'] } };
    expect(holds(mixed, { 'aws:SourceIp': '203.0.113.255' })).toBe(true);
    expect(holds(mixed, { 'aws:SourceIp': '2001:db8:1234:5678::9' })).toBe(true);
    expect(holds(mixed, { 'aws:SourceIp': '203.0.114.1' })).toBe(false);
    expect(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.7' } }, { 'aws:SourceIp': '203.0.113.8' })).toBe(false);
    expect(holds({ NotIpAddress: mixed.IpAddress }, { 'aws:SourceIp': '198.51.100.1' })).toBe(true);
    expect(holds({ NotIpAddress: mixed.IpAddress }, { 'aws:SourceIp': '2001:db8:1234:5678::9' })).toBe(false);
  });
});

describe('"Condition operators": ARN operators', () => {
  const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
  const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';

  it('StringLike matches the value, ArnLike (segment by segment) does not', () => {
    expect(holds({ StringLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(true);
    expect(holds({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(false);
    expect(
      holds({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': 'arn:aws:someservice:us-east-2:111122223333:finance/a.txt' }),
    ).toBe(true);
  });

  it('an SQS queue policy lets SNS send on behalf of the topic its ArnEquals aws:SourceArn names, and no other', () => {
    const queuePolicy = policy({
      Effect: 'Allow',
      Principal: { AWS: '123456789012' },
      Action: 'SQS:SendMessage',
      Resource: 'arn:aws:sqs:us-east-1:123456789012:QUEUE-ID',
      Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:TOPIC-ID' } },
    });
    const send = (source?: string) =>
      ask({
        principal: user('123456789012', 'publisher'),
        action: 'sqs:SendMessage',
        resource: 'arn:aws:sqs:us-east-1:123456789012:QUEUE-ID',
        identity: [policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' })],
        ...(source ? { context: { 'aws:SourceArn': source } } : {}),
        resourcePolicy: queuePolicy,
      });
    // The account is delegated to: its identity policy allows, whatever the condition says.
    expect(send('arn:aws:sns:us-east-1:123456789012:TOPIC-ID')).toBe('allowed');
    const byService = (source?: string) =>
      ask({
        principal: { type: 'service', arn: 'sns.amazonaws.com' },
        action: 'sqs:SendMessage',
        resource: 'arn:aws:sqs:us-east-1:123456789012:QUEUE-ID',
        resourceAccount: '123456789012',
        ...(source ? { context: { 'aws:SourceArn': source } } : {}),
        resourcePolicy: policy({ ...(queuePolicy.Statement[0] as object), Principal: { Service: 'sns.amazonaws.com' } }),
      });
    expect(byService('arn:aws:sns:us-east-1:123456789012:TOPIC-ID')).toBe('allowed');
    expect(byService('arn:aws:sns:us-east-1:123456789012:OTHER')).toBe('implicit-deny');
    expect(byService()).toBe('implicit-deny');
  });
});

describe('"Condition operators": ...IfExists and Null', () => {
  it('StringLike ec2:InstanceType fails on the resources without the key; StringLikeIfExists passes them', () => {
    const types = ['t1.*', 't2.*', 'm3.*'];
    const run = (operator: string, context: Record<string, string>) =>
      ask({
        principal: alice,
        action: 'ec2:RunInstances',
        resource: '*',
        context,
        identity: [
          policy({ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition: { [operator]: { 'ec2:InstanceType': types } } }),
        ],
      });
    expect(run('StringLike', {})).toBe('implicit-deny');
    expect(run('StringLikeIfExists', {})).toBe('allowed');
    expect(run('StringLikeIfExists', { 'ec2:InstanceType': 't2.micro' })).toBe('allowed');
    expect(run('StringLikeIfExists', { 'ec2:InstanceType': 'p4d.24xlarge' })).toBe('implicit-deny');
  });

  it('a negated operator holds for a key the request lacks; with Deny and IfExists, the request is still denied', () => {
    expect(holds({ StringNotLike: { 'aws:PrincipalTag/team': 'red' } })).toBe(true);
    expect(holds({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } })).toBe(true);
    expect(holds({ StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'red' } })).toBe(true);
  });

  it('Null aws:TokenIssueTime true: long-term credentials only; false: temporary ones only', () => {
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } })).toBe(true);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(true);
  });

  it('several operators and keys must all hold (AND); several values of one key, one of them (OR); negated, none of them', () => {
    const condition = {
      StringEqualsIgnoreCase: { 'aws:PrincipalTag/department': ['finance', 'hr', 'legal'], 'aws:PrincipalTag/role': ['audit', 'security'] },
      StringEquals: { 'aws:PrincipalAccount': ACCOUNT },
    };
    expect(holds(condition, { 'aws:PrincipalTag/department': 'HR', 'aws:PrincipalTag/role': 'audit' })).toBe(true);
    expect(holds(condition, { 'aws:PrincipalTag/department': 'HR' })).toBe(false);
    expect(holds(condition, { 'aws:PrincipalTag/department': 'HR', 'aws:PrincipalTag/role': 'audit' }, user('444455556666', 'x'))).toBe(
      false,
    );
    expect(holds({ StringNotEquals: { 'aws:PrincipalAccount': [ACCOUNT, '444455556666'] } })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:PrincipalAccount': ['444455556666', '777788889999'] } })).toBe(true);
  });
});

describe('"Creating a condition with multiple keys or values": ForAllValues and ForAnyValue', () => {
  const thread = 'arn:aws:dynamodb:us-east-1:111122223333:table/Thread';
  const getItem = (attributes: string[], values = ['ID', 'Message', 'Tags']) =>
    ask({
      principal: alice,
      action: 'dynamodb:GetItem',
      resource: thread,
      context: { 'dynamodb:Attributes': attributes },
      identity: [
        policy({
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: 'arn:aws:dynamodb:*:*:table/Thread',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': values } },
        }),
      ],
    });
  const putItem = (attributes: string[]) =>
    ask({
      principal: alice,
      action: 'dynamodb:PutItem',
      resource: thread,
      context: { 'dynamodb:Attributes': attributes },
      identity: [
        policy({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*' }),
        policy({
          Effect: 'Deny',
          Action: 'dynamodb:PutItem',
          Resource: 'arn:aws:dynamodb:*:*:table/Thread',
          Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': ['ID', 'PostDateTime'] } },
        }),
      ],
    });

  it('ForAllValues: Message, Tags and ID are all in the list; UserName is not', () => {
    expect(getItem(['Message', 'Tags', 'ID'])).toBe('allowed');
    expect(getItem(['ID', 'UserName'])).toBe('implicit-deny');
    expect(getItem(['PostDateTime', 'UserName'], ['PostDateTime', 'Message', 'Tags'])).toBe('implicit-deny');
  });

  it('ForAnyValue with Deny: updating PostDateTime (with Message) is denied, updating UserName alone is not', () => {
    expect(putItem(['PostDateTime', 'Message'])).toBe('explicit-deny');
    expect(putItem(['UserName', 'Message', 'PostDateTime'])).toBe('explicit-deny');
    expect(putItem(['UserName'])).toBe('allowed');
  });

  it('an empty set of request values: ForAllValues holds, ForAnyValue does not', () => {
    expect(getItem([])).toBe('allowed');
    expect(putItem([])).toBe('allowed');
    expect(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } })).toBe(true);
    expect(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } })).toBe(false);
  });

  it('negated set operators: ForAllValues:StringNotEquals holds when no request value is listed, ForAnyValue:StringNotEquals when one is not', () => {
    const tags = ['DataClass', 'Owner'];
    expect(holds({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': tags } }, { 'aws:TagKeys': ['Dept', 'SIC'] })).toBe(true);
    expect(holds({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': tags } }, { 'aws:TagKeys': ['Dept', 'DataClass'] })).toBe(false);
    expect(holds({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': tags } }, { 'aws:TagKeys': ['Dept', 'DataClass'] })).toBe(true);
    expect(holds({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': tags } }, { 'aws:TagKeys': ['DataClass', 'Owner'] })).toBe(false);
  });
});

describe('"IAM policy elements: Variables and tags"', () => {
  const queue = (name: string) => `arn:aws:sqs:us-east-2:${ACCOUNT}:${name}`;
  const queues: PolicyDocument = policy(
    { Sid: 'ListForConsole', Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
    { Sid: 'AllQueueActions', Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-2:*:${aws:username}-queue' },
  );

  it('${aws:username} in a Resource: each user their own queue', () => {
    expect(ask({ principal: alice, action: 'sqs:SendMessage', resource: queue('alice-queue'), identity: [queues] })).toBe('allowed');
    expect(ask({ principal: alice, action: 'sqs:SendMessage', resource: queue('bob-queue'), identity: [queues] })).toBe('implicit-deny');
  });

  it('${aws:PrincipalTag/department} in a Resource, and a default for a principal without the tag', () => {
    const team = policy({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}",
    });
    const get = (bucket: string, context?: Record<string, string>) =>
      ask({
        principal: alice,
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${bucket}`,
        identity: [team],
        ...(context ? { context } : {}),
      });
    expect(get('DOC-EXAMPLE-BUCKET-yellow', { 'aws:PrincipalTag/team': 'yellow' })).toBe('allowed');
    expect(get('DOC-EXAMPLE-BUCKET-company-wide', { 'aws:PrincipalTag/team': 'yellow' })).toBe('implicit-deny');
    expect(get('DOC-EXAMPLE-BUCKET-company-wide')).toBe('allowed');
  });

  it('a variable with no value matches no resource, fails StringEquals and matches StringNotEquals', () => {
    const byTag = policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket/${aws:PrincipalTag/department}' });
    expect(ask({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/', identity: [byTag] })).toBe('implicit-deny');
    expect(
      holds({ StringEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } }, { 's3:ExistingObjectTag/Team': 'red' }),
    ).toBe(false);
    expect(
      holds({ StringNotEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } }, { 's3:ExistingObjectTag/Team': 'red' }),
    ).toBe(true);
  });

  it('${*}, ${?} and ${$} stand for the characters themselves, not wildcards', () => {
    expect(holds({ StringLike: { 's3:prefix': 'a${*}b' } }, { 's3:prefix': 'a*b' })).toBe(true);
    expect(holds({ StringLike: { 's3:prefix': 'a${*}b' } }, { 's3:prefix': 'axxb' })).toBe(false);
    expect(holds({ StringLike: { 's3:prefix': 'what${?}' } }, { 's3:prefix': 'what?' })).toBe(true);
    expect(holds({ StringEquals: { 's3:prefix': 'cost-${$}5' } }, { 's3:prefix': 'cost-$5' })).toBe(true);
  });

  it('without Version 2012-10-17 a variable is literal text', () => {
    const old = {
      Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-2:*:${aws:username}-queue' }],
    } as unknown as PolicyDocument;
    expect(ask({ principal: alice, action: 'sqs:SendMessage', resource: queue('alice-queue'), identity: [old] })).toBe('implicit-deny');
    expect(ask({ principal: alice, action: 'sqs:SendMessage', resource: queue('${aws:username}-queue'), identity: [old] })).toBe('allowed');
  });

  it('a key name is not case sensitive in a variable either: ${AWS:username}', () => {
    const mixed = policy({ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-2:*:${AWS:UserName}-queue' });
    expect(ask({ principal: alice, action: 'sqs:SendMessage', resource: queue('alice-queue'), identity: [mixed] })).toBe('allowed');
  });
});
