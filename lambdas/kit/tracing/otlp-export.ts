import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { httpUrlOf, otlpHeadersFromEnv, otlpTimeoutMsFromEnv, otlpTracesUrlFromEnv, withPath } from '../../../contracts/otlp-env.js';
import { OTLP_TRACES_PATH } from '../../../contracts/wiring.js';
import { NodeSha256 } from '../node-sha256.js';

/** Where and how a function's spans are sent. */
export interface ExportTarget {
  readonly url: URL;
  /** Sign each request with SigV4 for X-Ray in this region (X-Ray's OTLP endpoint authenticates that way). */
  readonly signFor?: { readonly region: string };
  readonly headers: Readonly<Record<string, string>>;
  /** The longest one export may take (it is also bounded by the invocation's remaining time). */
  readonly timeoutMs: number;
}

const X_RAY_HOST = /^xray\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/**
 * Where spans go, from the environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the whole URL) or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, `/v1/traces` appended) as the OpenTelemetry SDKs
 * read them, for a team's own collector; else X-Ray's OTLP endpoint, found as an AWS SDK client
 * finds X-Ray's (`AWS_ENDPOINT_URL_XRAY`, then `AWS_ENDPOINT_URL`, then
 * `https://xray.<AWS_REGION>.amazonaws.com`) and signed with the function's credentials. The
 * local runtime sets `AWS_ENDPOINT_URL` for the functions it runs, so their spans reach it with
 * no setting of their own. Undefined when there is nowhere to send (no region and no endpoint).
 */
export function exportTargetFromEnv(env: NodeJS.ProcessEnv = process.env): ExportTarget | undefined {
  const headers = otlpHeadersFromEnv(env);
  const timeoutMs = otlpTimeoutMsFromEnv(env);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const otel = otlpTracesUrlFromEnv(env);
  if (otel) {
    // A team that names X-Ray's endpoint itself still needs the request signed.
    const xray = X_RAY_HOST.exec(otel.hostname)?.[1];
    return { url: otel, headers, timeoutMs, ...(xray ? { signFor: { region: xray } } : {}) };
  }
  const aws = httpUrlOf(env.AWS_ENDPOINT_URL_XRAY) ?? httpUrlOf(env.AWS_ENDPOINT_URL);
  if (aws === undefined && !region) return undefined;
  const url = withPath(aws ?? new URL(`https://xray.${region}.amazonaws.com`), OTLP_TRACES_PATH);
  return { url, headers, timeoutMs, signFor: { region: region ?? 'us-east-1' } };
}

/** The function's credentials, as Lambda gives them (the variables are read at each export: they rotate with the environment). */
function environmentCredentials() {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) throw new Error('no AWS credentials in the environment to sign the export with');
  return Promise.resolve({
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  });
}

/**
 * node:http and node:https, loaded on the first export and kept with an agent each (kept alive
 * between invocations: the TLS handshake with X-Ray is paid once per environment). Not imported
 * at module load: the AWS SDK loads them only when it first sends, and importing them at once
 * cost every cold start ~15 ms of CPU (node:http's agent and undici), tracing on or off.
 */
let transports:
  | {
      readonly 'http:': { readonly module: typeof import('node:http'); readonly agent: HttpAgent };
      readonly 'https:': { readonly module: typeof import('node:https'); readonly agent: HttpsAgent };
    }
  | undefined;

async function transportsLoaded() {
  if (transports === undefined) {
    const [http, https] = await Promise.all([import('node:http'), import('node:https')]);
    transports = {
      'http:': { module: http, agent: new http.Agent({ keepAlive: true }) },
      'https:': { module: https, agent: new https.Agent({ keepAlive: true }) },
    };
  }
  return transports;
}

/** What an export came back with: the receiver's status and, when it refused, what it said. */
export interface ExportOutcome {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends one OTLP/JSON request body. Resolves with the status the receiver answered (the caller
 * decides what a refusal is worth); rejects when the request could not be made or took longer
 * than `timeoutMs`.
 */
export async function sendTraces(target: ExportTarget, body: string, timeoutMs: number): Promise<ExportOutcome> {
  const { url } = target;
  let headers: Record<string, string> = {
    ...target.headers,
    host: url.host,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (target.signFor) {
    const signer = new SignatureV4({
      service: 'xray',
      region: target.signFor.region,
      credentials: environmentCredentials,
      sha256: NodeSha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers,
      body,
    });
    headers = signed.headers;
  }
  const { module, agent } = (await transportsLoaded())[url.protocol === 'http:' ? 'http:' : 'https:'];
  return new Promise((resolve, reject) => {
    const request = module.request(url, { method: 'POST', headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2048) }));
      response.on('error', reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`the export took longer than ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
