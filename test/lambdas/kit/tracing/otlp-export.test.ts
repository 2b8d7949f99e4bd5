import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportTargetFromEnv, sendTraces } from '../../../../lambdas/kit/tracing/otlp-export.js';
import { verifySignature } from '../../../../local/endpoint/sigv4.js';
import { useOtlpSink } from '../../../helpers/otlp.js';

const sink = useOtlpSink();
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'token',
};

beforeAll(() => {
  for (const [name, value] of Object.entries(CREDENTIALS)) vi.stubEnv(name, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe('exportTargetFromEnv', () => {
  it('sends to X-Ray’s OTLP endpoint in the function’s region, signed, by default', () => {
    const target = exportTargetFromEnv({ AWS_REGION: 'eu-west-1' });
    expect(target?.url.href).toBe('https://xray.eu-west-1.amazonaws.com/v1/traces');
    expect(target?.signFor).toEqual({ region: 'eu-west-1' });
  });

  it('finds X-Ray where an AWS SDK client would: AWS_ENDPOINT_URL_XRAY, then AWS_ENDPOINT_URL (the local runtime’s)', () => {
    expect(exportTargetFromEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })?.url.href).toBe(
      'http://127.0.0.1:4566/v1/traces',
    );
    expect(
      exportTargetFromEnv({
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_XRAY: 'http://xray.local:9/base/',
      })?.url.href,
    ).toBe('http://xray.local:9/base/v1/traces');
  });

  it('sends to a team’s collector unsigned as the OpenTelemetry SDKs read OTEL_EXPORTER_OTLP_*, its headers included', () => {
    const base = exportTargetFromEnv({
      AWS_REGION: 'us-east-1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b,Tenant=t1',
    });
    expect(base?.url.href).toBe('http://collector:4318/v1/traces');
    expect(base?.signFor).toBeUndefined();
    expect(base?.headers).toEqual({ 'x-api-key': 'a b', tenant: 't1' });
    const whole = exportTargetFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:1/custom',
    });
    expect(whole?.url.href).toBe('http://other:1/custom');
  });

  it('signs for X-Ray when a team names X-Ray’s endpoint itself', () => {
    expect(exportTargetFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.ap-south-1.amazonaws.com/v1/traces' })?.signFor).toEqual(
      { region: 'ap-south-1' },
    );
  });

  it('fails if there is nowhere to send: no region, no endpoint, or an endpoint that is not an http(s) URL', () => {
    expect(exportTargetFromEnv({})).toBeUndefined();
    expect(exportTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' })).toBeUndefined();
  });
});

describe('sendTraces', () => {
  it('signs the request with SigV4 for the xray service, as the runtime’s own signature check verifies it', async () => {
    const target = exportTargetFromEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: sink.url });
    if (target === undefined) throw new Error('no target');
    const outcome = await sendTraces(target, '{"resourceSpans":[]}', 5000);
    expect(outcome.status).toBe(200);
    const [request] = sink.requests;
    expect(request?.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/xray\/aws4_request/);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-amz-security-token']).toBe('token');
    const problem = await verifySignature(
      { method: 'POST', url: request?.path ?? '', headers: request?.headers ?? {}, body: request?.body ?? new Uint8Array() },
      new Map([[CREDENTIALS.AWS_ACCESS_KEY_ID, CREDENTIALS.AWS_SECRET_ACCESS_KEY]]),
    );
    expect(problem).toBeUndefined();
  });

  it('fails if the receiver takes longer than the time it is given', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    const target = exportTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    if (target === undefined) throw new Error('no target');
    await expect(sendTraces(target, '{}', 100)).rejects.toThrow(/longer than 100 ms/);
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });
});
