import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256.js';

/** POSTs a JSON `body` to `url` signed with SigV4 for AppSync (an AWS_IAM request), and answers the status and the JSON it got. */
export async function signedAppSyncPost(
  url: string,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'appsync', region: 'us-east-1', credentials, sha256: Sha256 });
  const request = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: {},
    headers: { host: target.host, 'content-type': 'application/json' },
    body,
  });
  const response = await fetch(target, { method: 'POST', headers: request.headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
