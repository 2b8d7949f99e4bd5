import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, eventually, region } from '../helpers.js';
import { eventRule } from '../template-resources.js';

/** Two buses, a rule forwarding everything from the first to the second (a Workflow's status changes reach a hub so). */
function forwardingApp(): string {
  return assemblyOf(
    {
      Source: { Type: 'AWS::Events::EventBus', Properties: { Name: 'lines-source' } },
      Hub: { Type: 'AWS::Events::EventBus', Properties: { Name: 'lines-hub' } },
      Forward: eventRule({ bus: 'Source', pattern: { source: ['lines.test'] }, target: 'Hub', id: 'hub' }),
    },
    'App',
  );
}

describe('the runtime event lines (logEvents)', () => {
  const lines: Record<'summary' | 'whole', string[]> = { summary: [], whole: [] };
  const runtimes: LocalRuntime[] = [];
  const detail = {
    input: JSON.stringify({ order: 'x'.repeat(300) }),
    executionArn: `arn:aws:states:${'y'.repeat(80)}`,
    name: 'O-1',
    status: 'RUNNING',
  };

  beforeAll(async () => {
    for (const mode of ['summary', 'whole'] as const) {
      const runtime = await LocalRuntime.start({
        cdkOut: forwardingApp(),
        ...disposableData(),
        port: 0,
        log: (line) => lines[mode].push(line),
        logEvents: mode === 'summary' ? 'summary' : true,
      });
      runtimes.push(runtime);
      const events = new EventBridgeClient({ endpoint: runtime.url, region, credentials });
      await events.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: 'lines-source', Source: 'lines.test', DetailType: 'Changed', Detail: JSON.stringify(detail) },
            // A source no rule takes, as a typo in a rule's pattern leaves an app's event.
            { EventBusName: 'lines-source', Source: 'lines.typo', DetailType: 'Changed', Detail: '{"name":"O-2"}' },
          ],
        }),
      );
      // The forwarding rule's delivery has reached the hub once the runtime's lineage says so.
      await eventually(async () => {
        const records = await fetch(`${runtime.url}/_switchyard/v1/events?limit=10`).then((response) => response.text());
        return records.includes('lines-hub') ? true : undefined;
      });
      events.destroy();
    }
  });

  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop();
  });

  it('prints a forwarded event once, as one short line that starts with the short members of its detail', () => {
    const printed = lines.summary.filter((line) => line.startsWith('[events] lines-source <- lines.test '));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\[events\] lines-source <- lines\.test Changed \{"name":"O-1","status":"RUNNING",/);
    expect(printed[0]?.length).toBeLessThan(220);
    expect(lines.summary.join('\n')).not.toContain('no rule matched lines.test');
  });

  it('says of an event no rule matched that no target receives it, so a typo in a pattern is not silent', () => {
    const printed = lines.summary.filter((line) => line.startsWith('[events] lines-source <- lines.typo '));
    expect(printed).toEqual(['[events] lines-source <- lines.typo Changed {"name":"O-2"}']);
    // On a line of its own, after the event's (whose detail, last on its line, readers parse), once for each kind of event.
    const index = lines.summary.indexOf(printed[0] ?? '');
    expect(lines.summary[index + 1]).toBe(
      '[events] lines-source: no rule matched lines.typo Changed, so no target receives it (said once for each source and detail-type)',
    );
    expect(lines.summary.filter((line) => line.includes('no rule matched lines.typo'))).toHaveLength(1);
  });

  it('prints each bus an event reaches, with its whole detail, for a runtime a program reads (the default)', () => {
    const printed = lines.whole.filter((line) => line.startsWith('[events] ') && line.includes(' <- ') && !line.includes('lines.typo'));
    expect(printed.map((line) => line.split(' ')[1])).toEqual(['lines-source', 'lines-hub']);
    expect(printed[0]).toContain(JSON.stringify(detail));
  });
});
