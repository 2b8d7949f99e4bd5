import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { startOtlpSink } from '../../helpers/otlp.js';
import { assemblyOf } from '../assembly.js';
import { eventually, tempDataDir } from '../helpers.js';

const SPANS = JSON.stringify({
  resourceSpans: [
    { scopeSpans: [{ spans: [{ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', name: 'forwarded' }] }] },
  ],
});

let collector: Awaited<ReturnType<typeof startOtlpSink>>;
let answer = 200;
let runtime: LocalRuntime;

/** The runtime with OTEL_EXPORTER_OTLP_ENDPOINT set for it, as a team sets it (the traces module reads it when it is created). */
async function startRuntime(dataDir: string): Promise<LocalRuntime> {
  const saved = { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, headers: process.env.OTEL_EXPORTER_OTLP_HEADERS };
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-team=a%20b';
  try {
    const cdkOut = assemblyOf({});
    return await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
  } finally {
    for (const [name, value] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint],
      ['OTEL_EXPORTER_OTLP_HEADERS', saved.headers],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

beforeAll(async () => {
  collector = await startOtlpSink(() => ({ status: answer, body: answer === 200 ? '{}' : '{"code":14,"message":"busy"}' }));
});
afterAll(async () => {
  await runtime?.stop();
  await collector.close();
});

const post = (url: string) => fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SPANS });

describe('forwarding to a team’s collector (OTEL_EXPORTER_OTLP_ENDPOINT of the runtime)', () => {
  it('forwards every export it keeps unchanged, with the headers OTEL_EXPORTER_OTLP_HEADERS names', async () => {
    runtime = await startRuntime(tempDataDir());
    expect((await post(runtime.url)).status).toBe(200);
    const forwarded = await eventually(async () => collector.requests[0]);
    expect(forwarded.path).toBe('/v1/traces');
    expect(forwarded.headers['content-type']).toBe('application/json');
    expect(forwarded.headers['x-team']).toBe('a b');
    expect(forwarded.body.toString('utf8')).toBe(SPANS);
    await runtime.stop();
  });

  it('sends again what the collector refused for now (503), after a restart too', async () => {
    collector.requests.length = 0;
    answer = 503;
    const dataDir = tempDataDir();
    runtime = await startRuntime(dataDir);
    await post(runtime.url);
    await eventually(async () => collector.requests[0]);
    await runtime.stop();
    answer = 200;
    collector.requests.length = 0;
    runtime = await startRuntime(dataDir);
    const resent = await eventually(async () => collector.requests[0], 20_000, 'the export sent again');
    expect(resent.body.toString('utf8')).toBe(SPANS);
  });
});
