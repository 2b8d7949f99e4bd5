import { describe, expect, it } from 'vitest';
import { accessKeyOf, signedScopeOf } from '../../../local/iam/caller.js';

describe('a request caller as the endpoint reads it', () => {
  const authorization =
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/sns/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

  it('reads the access key and the signed region and service from the Authorization header', () => {
    expect(accessKeyOf(authorization, '/')).toBe('AKIDEXAMPLE');
    expect(signedScopeOf(authorization, '/')).toEqual({ region: 'eu-west-1', service: 'sns' });
  });

  it("reads them from a presigned URL's X-Amz-Credential, encoded or not", () => {
    const url = '/?X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Signature=abc';
    expect(signedScopeOf(undefined, url)).toEqual({ region: 'us-west-2', service: 's3' });
    expect(signedScopeOf(undefined, '/?X-Amz-Credential=K/20260101/ap-south-1/sqs/aws4_request')).toEqual({
      region: 'ap-south-1',
      service: 'sqs',
    });
  });

  it('has no scope for an unsigned request', () => {
    expect(signedScopeOf(undefined, '/?Action=Publish')).toBeUndefined();
  });
});
