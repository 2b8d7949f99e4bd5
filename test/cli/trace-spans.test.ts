import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../cli/mcp/tools.js';
import { renderSpanTrees, SpanNotFound, spanDetail } from '../../cli/trace-spans.js';
import type { OtlpTracesData } from '../../clients/read-api-contract.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const NANOS = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z

/** One span of OTLP/JSON, `startMs` and `ms` from the trace's start, with `extra` attributes beside those the tree shows. */
function span(spanId: string, name: string, startMs: number, ms: number, parentSpanId?: string, extra: Record<string, string> = {}) {
  const nanos = (at: number) => String(NANOS + BigInt(Math.round(at * 1e6)));
  return {
    traceId: TRACE,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 4,
    startTimeUnixNano: nanos(startMs),
    endTimeUnixNano: nanos(startMs + ms),
    attributes: [
      { key: 'messaging.destination.name', value: { stringValue: 'orders' } },
      ...Object.entries(extra).map(([key, value]) => ({ key, value: { stringValue: value } })),
    ],
    events: [],
    links: [],
    status: { code: 1 },
  };
}

/** A journey of three spans, each with as many attributes as the runtime's spans carry (the tree shows a few). */
function journey(): OtlpTracesData {
  const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`aws.detail.${i}`, `a value the tree leaves out ${i}`]));
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'EventBridge' } }] },
        scopeSpans: [
          {
            scope: { name: 'switchyard' },
            spans: [
              span('00000000000000a1', 'PutEvents orders', 0, 2, undefined, many),
              span('00000000000000a2', 'send orders', 1, 1, '00000000000000a1', many),
              span('00000000000000a3', 'send audit', 3, 1, '00000000000000a1', many),
            ],
          },
        ],
      },
    ],
  };
}

const getTrace = TOOLS.find((t) => t.name === 'get_trace');

/** The get_trace tool run on `args`, its command answering `json` as `switchyard trace --spans --json` would. */
async function runGetTrace(args: Record<string, unknown>, json: unknown = journey()) {
  const argvs: (readonly string[])[] = [];
  const answer = await getTrace?.run(args, {
    command: async (_command, argv) => {
      argvs.push(argv);
      return { json, notes: [] };
    },
    clients: () => {
      throw new Error('get_trace calls no client itself');
    },
  });
  return { answer, argvs };
}

describe('renderSpanTrees', () => {
  it("starts each span's line with its id when asked, the lines otherwise as switchyard trace --spans prints them", () => {
    const plain = renderSpanTrees(journey());
    const withIds = renderSpanTrees(journey(), { spanIds: true });
    expect(plain[1]).toBe('└─ +0 ms  2.0 ms  PutEvents orders  [producer]  (EventBridge)  messaging.destination.name=orders');
    expect(withIds).toEqual([
      `trace ${TRACE}  2026-01-01T00:00:00.000Z`,
      '└─ 00000000000000a1  +0 ms  2.0 ms  PutEvents orders  [producer]  (EventBridge)  messaging.destination.name=orders',
      '   ├─ 00000000000000a2  +1 ms  1.0 ms  send orders  [producer]  (EventBridge)  messaging.destination.name=orders',
      '   └─ 00000000000000a3  +3 ms  1.0 ms  send audit  [producer]  (EventBridge)  messaging.destination.name=orders',
    ]);
  });
});

describe('renderSpanTrees of a GraphQL request', () => {
  it("shows the request's auth mode and who asked on its line, above what its resolvers called", () => {
    const data = journey();
    const spans = data.resourceSpans[0]?.scopeSpans[0]?.spans as ReturnType<typeof span>[];
    spans[0] = span('00000000000000a1', 'graphql Mutation.putNote', 0, 2, undefined, {
      'aws.appsync.auth_mode': 'AMAZON_COGNITO_USER_POOLS',
      'enduser.id': '8f0c1d2e-3a4b-4c5d-9e6f-7a8b9c0d1e2f',
      'switchyard.enduser.name': 'ada',
    });
    expect(renderSpanTrees(data)[1]).toBe(
      '└─ +0 ms  2.0 ms  graphql Mutation.putNote  [producer]  (EventBridge)  messaging.destination.name=orders aws.appsync.auth_mode=AMAZON_COGNITO_USER_POOLS enduser.id=8f0c1d2e-3a4b-4c5d-9e6f-7a8b9c0d1e2f switchyard.enduser.name=ada',
    );
  });
});

describe('spanDetail', () => {
  it('gives one span whole: every attribute, its resource, and the spans under it by id', () => {
    const detail = spanDetail(journey(), '00000000000000a1', 'E-1');
    expect(detail).toMatchObject({
      spanId: '00000000000000a1',
      name: 'PutEvents orders',
      kind: 'producer',
      start: '2026-01-01T00:00:00.000Z',
      durationMs: 2,
      resource: { 'service.name': 'EventBridge' },
      children: [
        { spanId: '00000000000000a2', name: 'send orders' },
        { spanId: '00000000000000a3', name: 'send audit' },
      ],
    });
    expect(Object.keys(detail.attributes)).toHaveLength(26);
  });

  it('fails if the traces hold no span of that id, saying where the ids are', () => {
    expect(() => spanDetail(journey(), '00000000000000ff', 'E-1')).toThrow(SpanNotFound);
    expect(() => spanDetail(journey(), '00000000000000ff', 'E-1')).toThrow(
      `no span 00000000000000ff in the traces of "E-1": give one of the span ids the tree's lines start with`,
    );
  });
});

describe('the MCP get_trace tool', () => {
  it('answers the span tree the CLI prints, a line per span with its id, not the OTLP/JSON the command reads', async () => {
    const { answer, argvs } = await runGetTrace({ id: 'E-1', spans: true });
    expect(argvs).toEqual([['E-1', '--spans']]);
    expect(answer).toEqual({ id: 'E-1', view: 'spans', trace: renderSpanTrees(journey(), { spanIds: true }) });
    expect(JSON.stringify(answer).length).toBeLessThan(JSON.stringify(journey()).length / 4);
  });

  it("answers one span's detail by its id, and the raw OTLP/JSON only when asked", async () => {
    expect((await runGetTrace({ id: 'E-1', span: '00000000000000a2' })).answer).toEqual({
      id: 'E-1',
      view: 'span',
      trace: spanDetail(journey(), '00000000000000a2', 'E-1'),
    });
    expect((await runGetTrace({ id: 'E-1', spans: true, otlp: true })).answer).toEqual({ id: 'E-1', view: 'otlp', trace: journey() });
  });

  it('answers the lineage as the command does when no spans are asked for', async () => {
    const lineage = { roots: [{ kind: 'event', id: 'E-1' }] };
    const { answer, argvs } = await runGetTrace({ id: 'E-1', depth: 3 }, lineage);
    expect(argvs).toEqual([['E-1', '--depth', '3']]);
    expect(answer).toEqual({ id: 'E-1', view: 'lineage', trace: lineage });
  });
});
