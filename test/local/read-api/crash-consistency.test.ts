import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BusEventsPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { ARCHIVED_RULE, RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

const runtimes = new RuntimesWithData();
afterEach(() => runtimes.stopAll());

/**
 * What a SIGKILL at this instant leaves on disk: every SQLite database and its write-ahead
 * log as they are (committed transactions are in the WAL; what a process still holds in
 * memory is not). Synchronous, so nothing of the runtime's runs in between.
 */
function snapshotDatabases(dataDir: string): string {
  const copy = tempDataDir();
  for (const name of readdirSync(dataDir)) {
    if (!name.endsWith('.sqlite') && !name.endsWith('.sqlite-wal')) continue;
    copyFileSync(path.join(dataDir, name), path.join(copy, name));
  }
  return copy;
}

async function listedIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(nextToken ? { nextToken } : {}) });
    const page = (await (await fetch(`${url}${READ_API_PREFIX}${READ_API_PATHS.events}?${query}`)).json()) as BusEventsPage;
    ids.push(...page.events.map((event) => event.id));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

describe('ReadApi crash consistency', () => {
  it('has an event on disk by the time PutEvents answers for it', async () => {
    const cdkOut = assemblyOf(ARCHIVED_RULE);
    const dataDir = tempDataDir();
    const first = await runtimes.start(cdkOut, { dataDir });
    const answer = await first.events.PutEvents({
      Entries: [{ Source: 'probe', DetailType: 'Probe', Detail: JSON.stringify({ ticketId: 'T-CRASH' }) }],
    });
    // No turn of the event loop between the answer and the copy: a kill right after the answer.
    const copy = snapshotDatabases(dataDir);
    expect(existsSync(path.join(copy, 'events.sqlite'))).toBe(true);
    const eventId = answer.Entries[0] && 'EventId' in answer.Entries[0] ? answer.Entries[0].EventId : undefined;
    expect(eventId).toBeDefined();

    const second = await runtimes.start(cdkOut, { dataDir: copy });
    expect(await listedIds(second.url)).toContain(eventId);
  });
});
