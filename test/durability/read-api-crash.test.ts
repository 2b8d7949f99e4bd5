import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { type BusEventsPage, READ_API_PATHS, READ_API_PREFIX } from '../../local/read-api/contract.js';
import { consumerFixture } from '../local/consumer-fixture.js';
import { credentials, region, tempDataDir } from '../local/helpers.js';
import { RuntimeProcesses } from '../local/runtime-process.js';

const runtimes = new RuntimeProcesses();
afterAll(() => runtimes.killAll());

/** Starts the runtime on any free port; resolves with its URL and the process. */
async function start(cdkOut: string, dataDir: string) {
  const runtime = await runtimes.start(cdkOut, dataDir, 0);
  const url = /listening on (http:\/\/\S+)/.exec(runtime.output())?.[1];
  if (!url) throw new Error(`no URL in the runtime's output:\n${runtime.output()}`);
  return { ...runtime, url };
}

/** Every event the read API lists, page after page. */
async function allEvents(url: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(nextToken ? { nextToken } : {}) });
    const response = await fetch(`${url}${READ_API_PREFIX}${READ_API_PATHS.events}?${query}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as BusEventsPage;
    ids.push(...page.events.map((event) => event.id));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** The ids of the events the bus's archive holds, read beside no runtime (after the kill). */
function archivedIds(dataDir: string): string[] {
  const db = new DatabaseSync(path.join(dataDir, 'events.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT event FROM archived_events').all() as { event: string }[]).map(
      (row) => (JSON.parse(row.event) as { id: string }).id,
    );
  } finally {
    db.close();
  }
}

function entry(i: number) {
  return {
    EventBusName: 'fixture-bus',
    Source: 'switchyard.helpdesk',
    DetailType: 'TicketCreated',
    Detail: JSON.stringify({ ticketId: `RA-KILL-${i}`, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund.' }),
  };
}

describe('ReadApi across a SIGKILL', () => {
  it('lists every event PutEvents answered for, and every event the archive holds, after a kill right after the answer', async () => {
    const cdkOut = await consumerFixture();
    const dataDir = tempDataDir();
    const first = await start(cdkOut, dataDir);
    const events = new EventBridgeClient({ endpoint: first.url, region, credentials, maxAttempts: 1 });

    // Eight clients at once keep the runtime's event loop busy, as the chaos run's load did;
    // the kill goes out the moment the answers reach 400 events, with calls still in flight.
    const answered: string[] = [];
    let killed = false;
    const client = async (n: number) => {
      for (let call = 0; !killed; call++) {
        const base = (n * 1000 + call) * 10;
        const result = await events
          .send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => entry(base + i)) }))
          .catch(() => undefined);
        if (!result || killed) return;
        answered.push(...(result.Entries ?? []).flatMap((e) => (e.EventId ? [e.EventId] : [])));
        if (answered.length >= 400) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    await Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
    await exited;
    events.destroy();
    const archived = archivedIds(dataDir);

    const second = await start(cdkOut, dataDir);
    const listed = new Set(await allEvents(second.url));
    const missing = answered.filter((id) => !listed.has(id));
    const missingArchived = archived.filter((id) => !listed.has(id));
    expect({ answered: answered.length, missing: missing.length }).toEqual({ answered: answered.length, missing: 0 });
    expect({ archived: archived.length, missing: missingArchived.length }).toEqual({ archived: archived.length, missing: 0 });
  }, 120_000);
});
