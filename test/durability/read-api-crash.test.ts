import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { type BusEventsPage, READ_API_PATHS, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { consumerFixture } from '../local/consumer-fixture.js';
import { credentials, region } from '../local/helpers.js';

const crashable = useCrashableApps();

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

/** The ids of the events the bus's archive holds (read-only, beside the runtime). */
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
    // A runtime in a process of its own, which `crash()` kills with SIGKILL (the public testing API).
    const running = await crashable(cdkOut);
    const events = new EventBridgeClient({ endpoint: running.endpoint, region, credentials, maxAttempts: 1 });

    // Eight clients at once keep the runtime's event loop busy, as the chaos run's load did;
    // the kill goes out the moment the answers reach 400 events, with calls still in flight.
    const answered: string[] = [];
    let killed = false;
    let crashed: Promise<void> | undefined;
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
          // The SIGKILL goes out within the call; the restart on the same data follows.
          crashed = running.crash();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
    await crashed;
    events.destroy();
    const archived = archivedIds(running.dataDir);
    const listed = new Set(await allEvents(running.endpoint));
    const missing = answered.filter((id) => !listed.has(id));
    const missingArchived = archived.filter((id) => !listed.has(id));
    expect({ answered: answered.length, missing: missing.length }).toEqual({ answered: answered.length, missing: 0 });
    expect({ archived: archived.length, missing: missingArchived.length }).toEqual({ archived: archived.length, missing: 0 });
  }, 120_000);
});
