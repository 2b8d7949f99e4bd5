import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../../local/iam/policy-documents.js';
import { ask, policy, session, user } from './ask.js';

/**
 * The examples of AWS's IAM user guide, each with the answer the page gives: "Policy
 * evaluation logic" (and its newer "Policy evaluation for requests within a single account"),
 * "Cross-account policy evaluation logic", "Permissions boundaries for IAM entities",
 * "Condition operators", "Creating a condition with multiple keys or values" and
 * "Variables and tags". The policies are the pages' own.
 */

describe('"Policy evaluation logic": example identity-based and resource-based policy evaluation (Carlos, one account)', () => {
  const carlos = user('123456789012', 'carlossalazar');
  const identity = policy(
    {
      Sid: 'AllowS3ListRead',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:GetAccountPublicAccessBlock', 's3:ListAccessPoints', 's3:ListAllMyBuckets'],
      Resource: 'arn:aws:s3:::*',
    },
    { Sid: 'AllowS3Self', Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'] },
    { Sid: 'DenyS3Logs', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*log*' },
  );
  const bucketPolicy = policy({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::123456789012:user/carlossalazar' },
    Action: 's3:*',
    Resource: ['arn:aws:s3:::carlossalazar/*', 'arn:aws:s3:::carlossalazar'],
  });

  it('denies saving to the carlossalazar-logs bucket: his own policy explicitly denies buckets with log in the name', () => {
    expect(ask({ principal: carlos, action: 's3:PutObject', resource: 'arn:aws:s3:::carlossalazar-logs', identity: [identity] })).toBe(
      'explicit-deny',
    );
  });

  it('allows saving to the carlossalazar bucket, which both policies allow, and still when only one of them does', () => {
    const put = { principal: carlos, action: 's3:PutObject', resource: 'arn:aws:s3:::carlossalazar/notes.txt' };
    expect(ask({ ...put, identity: [identity], resourcePolicy: bucketPolicy })).toBe('allowed');
    expect(ask({ ...put, resourcePolicy: bucketPolicy })).toBe('allowed');
    expect(ask({ ...put, identity: [identity] })).toBe('allowed');
  });
});

describe('"Policy evaluation logic": the difference between explicit and implicit denies', () => {
  const identity = policy(
    { Sid: 'AllowGetList', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
    { Sid: 'DenyReports', Effect: 'Deny', Action: 'iam:*Report', Resource: '*' },
  );
  const as = (action: string, more: PolicyDocument[] = []) =>
    ask({ principal: user('111122223333', 'ana'), action, resource: '*', identity: [identity, ...more] });

  it('allows Get and List actions, implicitly denies iam:CreatePolicy, explicitly denies the report actions', () => {
    expect(as('iam:GetUser')).toBe('allowed');
    expect(as('iam:CreatePolicy')).toBe('implicit-deny');
    expect(as('iam:GetOrganizationsAccessReport')).toBe('explicit-deny');
  });

  it('still denies iam:GenerateCredentialReport when another policy allows it', () => {
    const more = policy({ Effect: 'Allow', Action: 'iam:GenerateCredentialReport', Resource: '*' });
    expect(as('iam:GenerateCredentialReport', [more])).toBe('explicit-deny');
  });
});

describe('"Cross-account policy evaluation logic": example cross-account policy evaluation (Carlos in 111111111111, Production in 222222222222)', () => {
  const carlos = user('111111111111', 'carlossalazar');
  const identity = policy(
    { Sid: 'AllowS3ListRead', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    { Sid: 'AllowS3ProductionObjectActions', Effect: 'Allow', Action: 's3:*Object*', Resource: 'arn:aws:s3:::Production/*' },
    { Sid: 'DenyS3Logs', Effect: 'Deny', Action: 's3:*', Resource: ['arn:aws:s3:::*log*', 'arn:aws:s3:::*log*/*'] },
  );
  const production = policy({
    Effect: 'Allow',
    Action: ['s3:GetObject*', 's3:PutObject*', 's3:ReplicateObject', 's3:RestoreObject'],
    Principal: { AWS: 'arn:aws:iam::111111111111:user/carlossalazar' },
    Resource: 'arn:aws:s3:::Production/*',
  });
  const put = (resource: string, resourcePolicy?: PolicyDocument) =>
    ask({
      principal: carlos,
      action: 's3:PutObject',
      resource,
      resourceAccount: '222222222222',
      identity: [identity],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    });

  it('denies saving to Production-logs: his own account denies it explicitly (and the bucket has no policy)', () => {
    expect(put('arn:aws:s3:::Production-logs/file.txt')).toBe('explicit-deny');
  });

  it('allows saving to Production: his identity policy and the bucket policy both allow it', () => {
    expect(put('arn:aws:s3:::Production/file.txt', production)).toBe('allowed');
  });

  it("needs both: the bucket policy alone does not let him in, nor his identity policy alone; he can't delete", () => {
    expect(
      ask({
        principal: carlos,
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::Production/f',
        resourceAccount: '222222222222',
        resourcePolicy: production,
      }),
    ).toBe('implicit-deny');
    expect(put('arn:aws:s3:::Production/file.txt')).toBe('implicit-deny');
    expect(
      ask({
        principal: carlos,
        action: 's3:DeleteObject',
        resource: 'arn:aws:s3:::Production/f',
        resourceAccount: '222222222222',
        identity: [identity],
        resourcePolicy: production,
      }),
    ).toBe('implicit-deny');
  });
});

describe('"Determining whether a request is allowed or denied within an account": resource-based policies and implicit denies', () => {
  const account = '111122223333';
  const queue = `arn:aws:sqs:us-east-1:${account}:orders`;
  const allowTo = (principal: unknown) => policy({ Effect: 'Allow', Principal: principal, Action: 'sqs:SendMessage', Resource: queue });
  const narrow = policy({ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' });
  const send = { action: 'sqs:SendMessage', resource: queue };

  it('a grant to the role session is not limited by an implicit deny in identity policies, a boundary or a session policy', () => {
    const s = session(account, 'examplerole', 'examplerolesessionname');
    expect(ask({ ...send, principal: s, resourcePolicy: allowTo({ AWS: s.arn }), boundary: narrow, sessionPolicy: narrow })).toBe(
      'allowed',
    );
  });

  it('a grant to the role ARN needs no identity policy but is limited by an implicit deny in a boundary or a session policy', () => {
    const s = session(account, 'examplerole');
    const byRole = allowTo({ AWS: `arn:aws:iam::${account}:role/examplerole` });
    expect(ask({ ...send, principal: s, resourcePolicy: byRole })).toBe('allowed');
    expect(ask({ ...send, principal: s, resourcePolicy: byRole, boundary: narrow })).toBe('implicit-deny');
    expect(ask({ ...send, principal: s, resourcePolicy: byRole, sessionPolicy: narrow })).toBe('implicit-deny');
  });

  it('a grant to an IAM user ARN is not limited by an implicit deny in identity policies or a permissions boundary', () => {
    const u = user(account, 'exampleuser');
    expect(ask({ ...send, principal: u, resourcePolicy: allowTo({ AWS: u.arn }), boundary: narrow })).toBe('allowed');
  });

  it('an explicit deny in any policy type wins over a grant to the session itself', () => {
    const s = session(account, 'examplerole');
    const deny = policy({ Effect: 'Deny', Action: 'sqs:*', Resource: '*' });
    for (const where of ['identity', 'boundary', 'sessionPolicy'] as const) {
      const placed = where === 'identity' ? { identity: [deny] } : { [where]: deny };
      expect(ask({ ...send, principal: s, resourcePolicy: allowTo({ AWS: s.arn }), ...placed }), where).toBe('explicit-deny');
    }
  });

  it('KMS key policies must allow: an identity policy alone does not, a key policy delegating to the account lets it decide', () => {
    const key = `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const decrypt = { principal: session(account, 'app'), action: 'kms:Decrypt', resource: key };
    const identity = [policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key })];
    const onlyAdmin = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/Admin` }, Action: 'kms:*', Resource: '*' });
    const delegating = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' });
    expect(ask({ ...decrypt, identity, resourcePolicy: onlyAdmin })).toBe('implicit-deny');
    expect(ask({ ...decrypt, identity, resourcePolicy: delegating })).toBe('allowed');
    expect(ask({ ...decrypt, resourcePolicy: delegating })).toBe('implicit-deny');
  });

  it('role trust policies must allow: sts:AssumeRole with only an identity policy is refused', () => {
    const assume = { principal: user(account, 'dev'), action: 'sts:AssumeRole', resource: `arn:aws:iam::${account}:role/deploy` };
    const identity = [policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })];
    expect(ask({ ...assume, identity })).toBe('implicit-deny');
    const trust = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/dev` }, Action: 'sts:AssumeRole' });
    expect(ask({ ...assume, resourcePolicy: trust })).toBe('allowed');
  });

  it('an SCP must allow, with the boundary and the identity policy ("Permissions boundaries": the intersection of all three)', () => {
    const u = user(account, 'dev');
    const identity = [policy({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' })];
    const scpSqs = [[policy({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' })]];
    expect(ask({ ...send, principal: u, identity, scps: scpSqs })).toBe('allowed');
    expect(ask({ ...send, principal: u, identity, scps: [[narrow]] })).toBe('implicit-deny');
    expect(ask({ ...send, principal: u, identity, scps: scpSqs, boundary: narrow })).toBe('implicit-deny');
  });
});
