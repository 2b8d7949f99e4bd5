/**
 * What the runtime's own spans cost alone, in CPU per event: the notes one event's journey
 * gives the traces service in bench:runtime's pipeline (PutEvents, its rule match, the delivery
 * to the queue, the send, the receive and the invocation: six spans), made into spans and kept
 * in a traces.sqlite of their own, as many events as the pipeline's run. Beside the pipeline's
 * CPU per event, this says what share of it the spans are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { childHeader, messageSegment, ruleMatchSegment } from '../local/endpoint/trace-header.js';
import { openDatabase } from '../local/store/data-folder.js';
import { systemClock } from '../local/time/clock.js';
import { TracesService } from '../local/traces/traces-service.js';

const bus = { name: 'fixture-bus', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/fixture-bus' };
const rule = {
  name: 'Fixture-RecorderRuleA1B2C3D4',
  arn: 'arn:aws:events:us-east-1:000000000000:rule/fixture-bus/Fixture-RecorderRuleA1B2C3D4',
  busName: 'fixture-bus',
  state: 'ENABLED' as const,
  targets: [{ id: 'Target0', arn: 'arn:aws:sqs:us-east-1:000000000000:Fixture-RecorderQueueA1B2C3D4' }],
};
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:Fixture-RecorderQueueA1B2C3D4';

async function journeys(traces: TracesService, events: number, prefix: string, perTurn: number): Promise<void> {
  for (let i = 0; i < events; i++) {
    const id = `${prefix}-${i}-5e1d2b0c-8d7e-4c3a-9f4e-6a1b2c3d4e5f`;
    const now = Date.now();
    const header = `Root=1-${Math.floor(now / 1000).toString(16)}-${(i + 1).toString(16).padStart(24, '0')};Sampled=1`;
    traces.spans.eventAccepted({
      bus,
      event: {
        version: '0',
        id,
        account: '000000000000',
        region: 'us-east-1',
        resources: [],
        source: 'switchyard.helpdesk',
        'detail-type': 'TicketCreated',
        time: new Date(now).toISOString(),
        detail: { metadata: { correlationId: id } },
      },
      matched: [rule],
      traceHeader: header,
      acceptedAt: now,
    });
    const delivery = childHeader(header, ruleMatchSegment(id, undefined, rule.arn));
    traces.spans.targetAttempt({
      eventId: id,
      ruleArn: rule.arn,
      targetId: 'Target0',
      targetArn: queueArn,
      outcome: 'delivered',
      attempts: 1,
      traceHeader: delivery,
      startedAt: now,
      endedAt: now + 1,
    });
    const messageId = `m-${id}`;
    traces.spans.message({ kind: 'sent', queueArn, messageId, traceHeader: delivery, time: now });
    const invocation = {
      requestId: `r-${id}`,
      functionName: 'Fixture-RecorderA1B2C3D4',
      logGroupName: '/aws/lambda/Fixture-RecorderA1B2C3D4',
      traceHeader: childHeader(header, messageSegment(`invocation-${messageId}`)),
      messages: [{ messageId, queueArn, traceHeader: delivery }],
    };
    traces.spans.invocation({ phase: 'started', ...invocation, time: now });
    traces.spans.invocation({ phase: 'ended', ...invocation, time: now + 3 });
    // The pipeline's turns of the event loop each carry a few events' notes.
    if (i % perTurn === perTurn - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  traces.readable();
}

/** Microseconds of CPU per event for the runtime's spans (their making and keeping), over `events` journeys. */
export async function runtimeSpansCpuPerEvent(events: number): Promise<number> {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-spans-'));
  const db = openDatabase(path.join(folder, 'traces.sqlite'));
  try {
    const traces = new TracesService({ db, clock: systemClock });
    await journeys(traces, 1000, 'warm', 3);
    const before = process.cpuUsage();
    await journeys(traces, events, 'event', 3);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / events;
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
