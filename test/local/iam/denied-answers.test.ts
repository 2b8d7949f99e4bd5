import { describe, expect, it } from 'vitest';
import type { ServiceIam } from '../../../local/iam/authorizations.js';
import { IamCheck, type IamMode } from '../../../local/iam/iam-check.js';
import { kmsIam } from '../../../local/kms/iam-authorizations.js';
import { s3Iam } from '../../../local/s3/iam-authorizations.js';
import { secretsManagerIam } from '../../../local/secretsmanager/iam-authorizations.js';
import { snsIam } from '../../../local/sns/iam-authorizations.js';
import { sqsIam } from '../../../local/sqs/iam-authorizations.js';
import { ACCOUNT, app, doc, queue, REGION, RESOURCE_POLICIES, resource, role, statement } from './fixtures.js';

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`;
const QUEUE_URL = `http://localhost:4566/${ACCOUNT}/orders`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
/** A queue without a key. */
const PLAIN_URL = `http://localhost:4566/${ACCOUNT}/plain`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/Worker`;
const SERVICES = new Map<string, ServiceIam>([sqsIam, snsIam, s3Iam, secretsManagerIam, kmsIam].map((s) => [s.prefix, s]));

/** A check over a role Worker holding `statements` (and a boundary allowing `boundary`), an encrypted queue and topic. */
function check(statements: unknown[], options: { mode?: IamMode; boundary?: string[]; lines?: string[] } = {}) {
  const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/Boundary`;
  const resources = [
    role('Worker', 'Worker', {
      Policies: [{ PolicyName: 'P', PolicyDocument: doc(...statements) }],
      ...(options.boundary ? { PermissionsBoundary: boundaryArn } : {}),
    }),
    queue('Orders', 'orders'),
    ...(options.boundary
      ? [
          resource(
            'Boundary',
            'AWS::IAM::ManagedPolicy',
            { PolicyDocument: doc(statement('Allow', options.boundary, '*')) },
            { ref: boundaryArn },
          ),
        ]
      : []),
  ];
  return new IamCheck(app(...resources), {
    mode: options.mode ?? 'enforce',
    services: SERVICES,
    resourcePolicies: RESOURCE_POLICIES,
    accountId: ACCOUNT,
    region: REGION,
    masterSecret: 'secret',
    lookups: {
      queueKmsKey: (arn) => (arn === QUEUE_ARN ? KEY_ARN : undefined),
      topicKmsKey: () => KEY_ARN,
      secretArn: (id) => (id === 'db' ? SECRET_ARN : undefined),
    },
    log: (line) => options.lines?.push(line),
  });
}

/** The error the service answers when Worker's session makes the request. */
async function answer(iam: IamCheck, prefix: string, operation: string, input: unknown) {
  const principal = { kind: 'role', roleArn: ROLE_ARN, sessionName: 'fn' } as const;
  const refusal = await iam.authorize(principal, iam.authorizationsOf(prefix, operation, input), operation);
  if (!refusal) throw new Error(`${operation} was allowed`);
  const error = iam.accessDenied(prefix, refusal);
  return { code: error.code, status: error.status, message: error.message };
}

const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Worker/fn`;

describe('IamCheck: what a refused request answers', () => {
  it("answers SQS's AccessDenied with the action in lower case, as SQS writes it", async () => {
    expect(await answer(check([]), 'sqs', 'SendMessage', { QueueUrl: QUEUE_URL, MessageBody: 'x' })).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: ${SESSION} is not authorized to perform: sqs:sendmessage on resource: ${QUEUE_ARN} because no identity-based policy allows the sqs:sendmessage action`,
    });
  });

  it("answers SNS's AuthorizationError with the action's prefix in capitals, as SNS writes it", async () => {
    expect(await answer(check([]), 'sns', 'Publish', { TopicArn: TOPIC_ARN, Message: 'x' })).toEqual({
      code: 'AuthorizationError',
      status: 403,
      message: `User: ${SESSION} is not authorized to perform: SNS:Publish on resource: ${TOPIC_ARN} because no identity-based policy allows the SNS:Publish action`,
    });
  });

  it("quotes the resource in S3's AccessDenied, as S3 writes it", async () => {
    const iam = check([statement('Allow', 's3:GetObject', 'arn:aws:s3:::docs/public/*')]);
    expect(await answer(iam, 's3', 'GetObject', { Bucket: 'docs', Key: 'private/a.txt' })).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: ${SESSION} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::docs/private/a.txt" because no identity-based policy allows the s3:GetObject action`,
    });
  });

  it("names a secret in Secrets Manager's message as the request named it, and decides on its ARN", async () => {
    const byName = await answer(check([]), 'secretsmanager', 'GetSecretValue', { SecretId: 'db' });
    expect(byName.message).toBe(
      `User: ${SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: db because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
    const granted = check([
      statement('Allow', 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-??????`),
    ]);
    const principal = { kind: 'role', roleArn: ROLE_ARN, sessionName: 'fn' } as const;
    const requests = granted.authorizationsOf('secretsmanager', 'GetSecretValue', { SecretId: 'db' });
    expect(await granted.authorize(principal, requests, 'GetSecretValue')).toBeUndefined();
  });

  it("answers a key refused behind an encrypted queue with SQS's KMS.AccessDeniedException and one behind a topic with SNS's KMSAccessDenied, KMS's details after the message", async () => {
    const iam = check([statement('Allow', ['sqs:SendMessage', 'sns:Publish'], '*')]);
    const kms =
      /because no identity-based policy allows the kms:GenerateDataKey action \(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/;
    const sent = await answer(iam, 'sqs', 'SendMessage', { QueueUrl: QUEUE_URL, MessageBody: 'x' });
    expect(sent).toEqual({ code: 'KMS.AccessDeniedException', status: 400, message: expect.stringMatching(kms) });
    expect(sent.message).toMatch(
      new RegExp(`^User: ${SESSION} is not authorized to perform: kms:GenerateDataKey on resource: ${KEY_ARN} `),
    );
    const published = await answer(iam, 'sns', 'Publish', { TopicArn: TOPIC_ARN, Message: 'x' });
    expect(published).toEqual({ code: 'KMSAccessDenied', status: 400, message: expect.stringMatching(kms) });
  });
});

describe('IamCheck: the fix a finding names', () => {
  const fixOf = async (iam: IamCheck) => {
    await answer(iam, 'sqs', 'SendMessage', { QueueUrl: PLAIN_URL, MessageBody: 'x' });
    return iam.findings()[0]?.fix;
  };

  it('names the grant when no policy allows the action', async () => {
    expect(await fixOf(check([]))).toBe(`queue.grantSendMessages(Worker) on arn:aws:sqs:${REGION}:${ACCOUNT}:plain`);
  });

  it('names the Deny, not a grant, when a Deny statement refuses what a grant allows', async () => {
    const iam = check([statement('Allow', 'sqs:*', '*'), statement('Deny', 'sqs:SendMessage', '*')]);
    expect(await fixOf(iam)).toMatch(/^a Deny statement in the identity-based policy wins over any grant: remove it, or narrow it/);
  });

  it("names the permissions boundary, not a grant, when the role's grant is capped by its boundary", async () => {
    const iam = check([statement('Allow', 'sqs:SendMessage', '*')], { boundary: ['sqs:ReceiveMessage'] });
    expect(await fixOf(iam)).toBe(
      `the role's own policies allow it, but its permissions boundary caps them: allow sqs:SendMessage on arn:aws:sqs:${REGION}:${ACCOUNT}:plain in the boundary`,
    );
  });

  it('prints the fix on the warn line, with the action as IAM names it and the message as the service writes it', async () => {
    const lines: string[] = [];
    const iam = check([statement('Allow', 'sqs:*', '*'), statement('Deny', 'sqs:SendMessage', '*')], { mode: 'warn', lines });
    const principal = { kind: 'role', roleArn: ROLE_ARN, sessionName: 'fn' } as const;
    const plain = `arn:aws:sqs:${REGION}:${ACCOUNT}:plain`;
    await iam.authorize(principal, iam.authorizationsOf('sqs', 'SendMessage', { QueueUrl: PLAIN_URL }), 'SendMessage');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[iam\\] AWS would refuse: ${ROLE_ARN} sqs:SendMessage on ${plain} \\(SendMessage\\): User: ${SESSION} is not authorized to perform: sqs:sendmessage on resource: ${plain} with an explicit deny in an identity-based policy\\. Fix: a Deny statement`,
        ),
      ),
    ]);
  });
});
