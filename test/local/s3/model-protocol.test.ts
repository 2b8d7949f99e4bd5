import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import { authorizationsFor, type OperationContext } from '../../../local/iam/authorizations.js';
import { s3Iam } from '../../../local/s3/iam-authorizations.js';
import { S3RestProtocol } from '../../../local/s3/rest-protocol.js';
import type { S3Service } from '../../../local/s3/s3-service.js';
import { tempDataDir } from '../helpers.js';
import { s3ServiceIn } from './fixture.js';

const CONTEXT: OperationContext = { region: 'us-east-1', accountId: '000000000000' };

function protocol(): { s3: S3Service; protocol: S3RestProtocol } {
  const s3 = s3ServiceIn(tempDataDir());
  return { s3, protocol: new S3RestProtocol(s3) };
}

const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x' };

function raw(method: string, path: string, query = '', headers: Record<string, string> = {}, body = ''): RawRequest {
  return { method, path, query: new URLSearchParams(query), headers: { ...signed, ...headers }, body: Buffer.from(body) };
}

describe('S3RestProtocol', () => {
  it("authorizes each call with its input in the API's shape: a copy on its source too, a multi-delete on each key it names", async () => {
    const { s3, protocol: s3Protocol } = protocol();
    s3.CreateBucket({ Bucket: 'docs' });
    const asked: [string, Record<string, unknown>][] = [];
    s3Protocol.authorizeWith(async (operation, input) => void asked.push([operation, input as Record<string, unknown>]));
    await s3Protocol.handle(raw('PUT', '/docs/original.txt', '', {}, 'text'));
    await s3Protocol.handle(raw('PUT', '/docs/copy.txt', '', { 'x-amz-copy-source': '/docs/original.txt' }));
    const deletion = '<Delete><Object><Key>copy.txt</Key></Object><Object><Key>original.txt</Key></Object></Delete>';
    expect((await s3Protocol.handle(raw('POST', '/docs', 'delete', {}, deletion))).status).toBe(200);
    const authorized = asked.map(([operation, input]) =>
      authorizationsFor(s3Iam, operation, input, CONTEXT).map((authorization) => `${authorization.action} ${authorization.resource}`),
    );
    expect(authorized).toEqual([
      ['s3:PutObject arn:aws:s3:::docs/original.txt'],
      ['s3:PutObject arn:aws:s3:::docs/copy.txt', 's3:GetObject arn:aws:s3:::docs/original.txt'],
      ['s3:DeleteObject arn:aws:s3:::docs/copy.txt', 's3:DeleteObject arn:aws:s3:::docs/original.txt'],
    ]);
  });

  it("fails if IAM refuses the copy's source, with S3's AccessDenied document, and copies nothing", async () => {
    const { s3, protocol: s3Protocol } = protocol();
    s3.CreateBucket({ Bucket: 'docs' });
    await s3Protocol.handle(raw('PUT', '/docs/original.txt', '', {}, 'text'));
    s3Protocol.authorizeWith(async (operation, input) => {
      const actions = authorizationsFor(s3Iam, operation, input, CONTEXT);
      if (actions.some((authorization) => authorization.action === 's3:GetObject'))
        throw new AwsError('AccessDenied', 'not authorized to perform: s3:GetObject', 403);
    });
    const refused = await s3Protocol.handle(raw('PUT', '/docs/copy.txt', '', { 'x-amz-copy-source': '/docs/original.txt' }));
    expect(refused.status).toBe(403);
    expect(String(refused.body)).toContain('<Code>AccessDenied</Code>');
    expect(() => s3.HeadObject({ Bucket: 'docs', Key: 'copy.txt' })).toThrow(/does not exist/);
  });
});
