import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';

/** A function that reads one key and answers what S3 said: the object's text, or the error's name, status and message. */
const READER = `
const { S3Client, GetObjectCommand, HeadObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({});
exports.handler = async (e) => {
  const Command = e.head ? HeadObjectCommand : GetObjectCommand;
  try {
    const out = await s3.send(new Command({ Bucket: 'iam-keys', Key: e.key }));
    return { ok: true, body: e.head ? undefined : await out.Body.transformToString() };
  } catch (error) {
    return { ok: false, name: error.name, status: error.$metadata && error.$metadata.httpStatusCode, message: error.message };
  }
};`;

/** A bucket, a function that may only get its objects (as a hand-written policy often says) and one CDK's grantRead lets list them too. */
function missingKeyApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-iam-missing-key-')) });
  const stack = new Stack(app, 'IamMissingKey');
  const bucket = new s3.Bucket(stack, 'Keys', { bucketName: 'iam-keys' });
  const reader = (name: string) =>
    new lambda.Function(stack, name, {
      functionName: name,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(READER),
    });
  reader('iam-get-only').addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
  bucket.grantRead(reader('iam-get-and-list'));
  return app;
}

async function read(app: TestApp, name: string, key: string, head = false) {
  const answer = await app.clients.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ key, head }) }));
  return JSON.parse(new TextDecoder().decode(answer.Payload));
}

describe('S3 under IAM, on a key that does not exist', () => {
  let enforced: TestApp;
  let warned: TestApp;
  beforeAll(async () => {
    [enforced, warned] = await Promise.all([
      startApp({ app: missingKeyApp() }, { iam: 'enforce' }),
      startApp({ app: missingKeyApp() }, { iam: 'warn' }),
    ]);
    for (const app of [enforced, warned])
      await app.clients.s3.send(new PutObjectCommand({ Bucket: 'iam-keys', Key: 'there.txt', Body: 'here' }));
  }, 120_000);
  afterAll(async () => {
    await enforced?.stop();
    await warned?.stop();
  });

  it('answers 404 NoSuchKey to a caller who may list the bucket, and the object to both', async () => {
    expect(await read(enforced, 'iam-get-and-list', 'missing.txt')).toMatchObject({ ok: false, name: 'NoSuchKey', status: 404 });
    for (const name of ['iam-get-only', 'iam-get-and-list'])
      expect(await read(enforced, name, 'there.txt')).toEqual({ ok: true, body: 'here' });
  });

  it('fails if the caller may not list the bucket: 403 AccessDenied for GetObject and HeadObject, as S3 answers so as not to tell which keys exist', async () => {
    const got = await read(enforced, 'iam-get-only', 'missing.txt');
    expect(got).toMatchObject({ ok: false, name: 'AccessDenied', status: 403 });
    expect(got.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/[^/]+\/iam-get-only is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::iam-keys" because no identity-based policy allows the s3:ListBucket action$/,
    );
    expect(await read(enforced, 'iam-get-only', 'missing.txt', true)).toMatchObject({ ok: false, status: 403 });
  });

  it('answers 404 under warn, and names the s3:ListBucket AWS would refuse with its fix', async () => {
    expect(await read(warned, 'iam-get-only', 'missing.txt')).toMatchObject({ ok: false, name: 'NoSuchKey', status: 404 });
    const found = warned.iamReport().findings.find((f) => f.action === 's3:ListBucket');
    expect(found).toMatchObject({ resource: 'arn:aws:s3:::iam-keys', where: 'a missing key', mode: 'warn' });
    expect(found?.fix).toMatch(/^bucket\.grantRead\(/);
  });
});
