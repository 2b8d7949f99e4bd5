import { describe, expect, it } from 'vitest';
import type { BusEventRecord } from '../../../clients/read-api-contract.js';
import { ReadApiRecords } from '../../../local/read-api/records.js';
import { openDatabase } from '../../../local/store/data-folder.js';

const HOUR = 3_600_000;

function event(id: string, acceptedAt: number, detail: unknown = { ticketId: id }): BusEventRecord {
  return {
    id,
    bus: 'hub',
    source: 'probe',
    detailType: 'Probe',
    time: new Date(acceptedAt).toISOString(),
    acceptedAt: new Date(acceptedAt).toISOString(),
    detail,
    matched: [
      { rule: 'r', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', targets: [{ id: 't', arn: 'arn:q', outcome: 'pending' }] },
    ],
  };
}

describe('ReadApiRecords', () => {
  it('keeps only the newest events past the count limit', () => {
    let now = 1_000_000;
    const records = new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 3, maxAgeHours: 24 }, () => now);
    for (let i = 0; i < 5; i++) records.addEvent(event(`e-${i}`, now + i));
    now += 10;
    records.trim();
    expect(records.events({ limit: 100 }).map((e) => e.id)).toEqual(['e-4', 'e-3', 'e-2']);
  });

  it('drops events older than the age limit, and the lineage nodes and inner segments recorded before the oldest event kept', () => {
    let now = 100 * HOUR;
    const records = new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 100, maxAgeHours: 2 }, () => now);
    records.addEvent(event('old', now));
    records.putNode({ kind: 'message', id: 'm-old', segment: 's1', label: 'm', time: now }, ['p']);
    records.putInnerSegment('state-old', 'p', now);
    now += 3 * HOUR;
    records.addEvent(event('new', now));
    records.putNode({ kind: 'message', id: 'm-new', segment: 's2', label: 'm', time: now }, ['p']);
    records.putInnerSegment('state-new', 'p', now);
    records.trim();
    expect(records.events({ limit: 100 }).map((e) => e.id)).toEqual(['new']);
    expect(records.children('p').map((n) => n.id)).toEqual(['m-new']);
    expect(records.innerSegments('p')).toEqual(['state-new']);
  });

  it('trims by itself as it writes, so the database stays bounded', () => {
    const now = 1_000_000;
    const records = new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 10 }, () => now);
    for (let i = 0; i < 1_000; i++) records.addEvent(event(`e-${i}`, now));
    expect(records.events({ limit: 1000 }).length).toBeLessThanOrEqual(10 + 200);
  });

  it('fails if the retention keeps nothing', () => {
    expect(() => new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 0 })).toThrow(/retention/);
    expect(() => new ReadApiRecords(openDatabase(':memory:'), { maxAgeHours: 0 })).toThrow(/retention/);
  });

  it('finds events by a string value anywhere in their detail, and only whole values', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    records.addEvent(event('a', 1, { ticketId: 'T-1001', nested: { list: ['x'] } }));
    records.addEvent(event('b', 2, { ticketId: 'T-10011' }));
    records.addEvent(event('c', 3, { note: 'about "T-1001" and 100% sure_' }));
    expect(records.eventsWithDetailValue('T-1001', 10).map((e) => e.record.id)).toEqual(['a']);
    expect(records.eventsWithDetailValue('x', 10).map((e) => e.record.id)).toEqual(['a']);
    // LIKE's wildcards are matched as themselves.
    expect(records.eventsWithDetailValue('%', 10)).toEqual([]);
  });

  it('sets one target outcome on the newest record of the event', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    records.addEvent(event('a', 1));
    records.setOutcome({
      eventId: 'a',
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r',
      targetId: 't',
      outcome: 'dead-lettered',
      reason: 'boom',
    });
    expect(records.eventsById('a')[0]?.matched[0]?.targets[0]).toEqual({ id: 't', arn: 'arn:q', outcome: 'dead-lettered', reason: 'boom' });
  });
});

describe('ReadApiRecords outcomes', () => {
  it('sets the outcome of a delivery to another bus on the record the rule matched, not on the copy the target bus took', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    const forwarding = 'arn:aws:events:us-east-1:000000000000:rule/status-changes';
    const original = event('a', 1);
    records.addEvent({
      ...original,
      bus: 'default',
      matched: [
        {
          rule: 'status-changes',
          ruleArn: forwarding,
          targets: [{ id: 't', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/hub', outcome: 'pending' }],
        },
      ],
    });
    // EventBridge forwards the event unchanged: the hub's copy has the same id, and rules of its own.
    records.addEvent({ ...original, bus: 'hub' });
    records.setOutcome({ eventId: 'a', ruleArn: forwarding, targetId: 't', outcome: 'delivered' });
    const [onDefault, onHub] = records.eventsById('a');
    expect(onDefault?.matched[0]?.targets[0]?.outcome).toBe('delivered');
    expect(onHub?.matched[0]?.targets[0]?.outcome).toBe('pending');
  });
});

describe('ReadApiRecords pages', () => {
  it('pages through every event newest first, and events added while paging neither shift nor repeat what is left', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 10_000 });
    for (let i = 0; i < 25; i++) records.addEvent(event(`e-${i}`, 1_000 + i));
    const seen: string[] = [];
    let before: number | undefined;
    let pages = 0;
    do {
      const page = records.eventsPage({ limit: 10, ...(before === undefined ? {} : { before }) });
      seen.push(...page.events.map((e) => e.id));
      before = page.last;
      pages++;
      // A burst of new events between two pages: they are newer than the cursor, so not in the pages still to come.
      if (pages === 1) for (let i = 25; i < 40; i++) records.addEvent(event(`e-${i}`, 1_000 + i));
    } while (before !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `e-${24 - i}`));
  });

  it('says no more follow when a page ends the list exactly', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    for (let i = 0; i < 4; i++) records.addEvent(event(`e-${i}`, i));
    expect(records.eventsPage({ limit: 4 }).last).toBeUndefined();
    expect(records.eventsPage({ limit: 3 }).last).toBeDefined();
  });

  it('continues events whose detail holds a value after the last one of a page', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    for (let i = 0; i < 5; i++) records.addEvent(event(`e-${i}`, i, { ticketId: 'T-9' }));
    const first = records.eventsWithDetailValue('T-9', 2);
    const rest = records.eventsWithDetailValue('T-9', 10, first.at(-1)?.seq);
    expect([...first, ...rest].map((e) => e.record.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4']);
  });
});

describe('ReadApiRecords events database', () => {
  it('moves the event records of a data folder from before into the events database, once', () => {
    const now = Date.now();
    const readApiDb = openDatabase(':memory:');
    const before = new ReadApiRecords(readApiDb);
    before.addEvent(event('old-1', now - 2));
    before.addEvent(event('old-2', now - 1));
    const eventsDb = openDatabase(':memory:');
    const after = new ReadApiRecords(readApiDb, {}, Date.now, eventsDb);
    expect(after.events({ limit: 10 }).map((e) => e.id)).toEqual(['old-2', 'old-1']);
    expect(readApiDb.prepare(`SELECT name FROM sqlite_master WHERE name = 'bus_events'`).get()).toBeUndefined();
    after.addEvent(event('new', now));
    expect(new ReadApiRecords(readApiDb, {}, Date.now, eventsDb).events({ limit: 10 }).map((e) => e.id)).toEqual(['new', 'old-2', 'old-1']);
  });

  it('writes an event inside the transaction the caller has open on the events database, and only there', () => {
    const eventsDb = openDatabase(':memory:');
    const records = new ReadApiRecords(openDatabase(':memory:'), {}, Date.now, eventsDb);
    eventsDb.exec('BEGIN');
    records.addEvent(event('rolled-back', Date.now()));
    eventsDb.exec('ROLLBACK');
    eventsDb.exec('BEGIN');
    records.addEvent(event('kept', Date.now()));
    eventsDb.exec('COMMIT');
    expect(records.events({ limit: 10 }).map((e) => e.id)).toEqual(['kept']);
  });
});

describe('ReadApiRecords close', () => {
  it('leaves a closed database alone when a flush it had scheduled comes due', async () => {
    const db = openDatabase(':memory:');
    const records = new ReadApiRecords(db);
    records.addEvent(event('a', Date.now()));
    records.setOutcome({ eventId: 'a', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', targetId: 't', outcome: 'delivered' });
    records.close();
    db.close();
    // The flush scheduled by setOutcome comes due now: it must not touch the closed database (it threw 'database is not open').
    await new Promise((resolve) => setTimeout(resolve, 60));
    records.putNode({ kind: 'message', id: 'm', segment: 's', label: 'm', time: 1 }, ['p']);
    await new Promise((resolve) => setTimeout(resolve, 60));
  });
});

describe('ReadApiRecords writes', () => {
  it('commits the writes of many turns of the event loop together, and a read sees every one of them first', async () => {
    const db = openDatabase(':memory:');
    const begins: string[] = [];
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      if (/^BEGIN/.test(sql)) begins.push(sql);
      exec(sql);
    };
    const records = new ReadApiRecords(db);
    for (const id of ['m1', 'm2', 'm3']) {
      records.putNode({ kind: 'message', id, segment: `s-${id}`, label: id, time: 1 }, ['p']);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Nothing committed yet: one commit a turn cost the read API more than anything else it does.
    expect(begins).toEqual([]);
    expect(records.children('p').map((node) => node.id)).toEqual(['m1', 'm2', 'm3']);
    expect(begins).toEqual(['BEGIN']);
    records.close();
  });
});

describe('ReadApiRecords nodes', () => {
  it('keeps at most 20 lineage nodes per event kept', () => {
    const now = 1_000_000;
    const records = new ReadApiRecords(openDatabase(':memory:'), { maxEvents: 1 }, () => now);
    for (let i = 0; i < 50; i++) records.putNode({ kind: 'message', id: `m-${i}`, segment: `s-${i}`, label: 'm', time: now }, ['p']);
    records.trim();
    const kept = records.children('p').map((n) => n.id);
    expect(kept).toHaveLength(20);
    expect(kept).toContain('m-49');
    expect(kept).not.toContain('m-0');
  });
});

describe('ReadApiRecords attributes', () => {
  it('sets one attribute of a node, keeping the others', () => {
    const records = new ReadApiRecords(openDatabase(':memory:'));
    records.putNode({ kind: 'invocation', id: 'r-1', segment: 's', label: 'fn', time: 1, attributes: { function: 'fn' } }, ['p']);
    records.setAttribute('invocation', 'r-1', 'endedAt', '42');
    expect(records.node('invocation', 'r-1')?.attributes).toEqual({ function: 'fn', endedAt: '42' });
  });
});

describe('ReadApiRecords lineage indexes', () => {
  it('opens a data folder written with the node indexes of before, drops them, and still finds the nodes of an id of every kind, oldest first', () => {
    const db = openDatabase(':memory:');
    const now = Date.now();
    // The lineage table and indexes as versions before issue 70's round wrote them.
    db.exec(`
      CREATE TABLE lineage_nodes (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, segment TEXT NOT NULL, label TEXT NOT NULL,
        time INTEGER NOT NULL, status TEXT, reason TEXT, attributes TEXT, UNIQUE (kind, id));
      CREATE INDEX lineage_nodes_by_id ON lineage_nodes (id);
      CREATE INDEX lineage_nodes_by_segment ON lineage_nodes (segment);
      CREATE INDEX lineage_nodes_by_time ON lineage_nodes (time);
      INSERT INTO lineage_nodes (kind, id, segment, label, time) VALUES ('model-call', 'x', 's1', 'a', ${now}), ('message', 'y', 's2', 'b', ${now});`);
    const records = new ReadApiRecords(db);
    records.putNode({ kind: 'flow-control', id: 'x', segment: 's3', label: 'c', time: now + 1 }, ['p']);
    records.putNode({ kind: 'dead-letter', id: 'x', segment: 's4', label: 'd', time: now + 2 }, ['p']);
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'lineage_nodes'`).all();
    expect(indexes.map((row) => row.name)).not.toContain('lineage_nodes_by_id');
    expect(indexes.map((row) => row.name)).not.toContain('lineage_nodes_by_segment');
    expect(records.nodesById('x').map((node) => `${node.kind}:${node.label}`)).toEqual(['model-call:a', 'flow-control:c', 'dead-letter:d']);
    expect(records.children('p').map((node) => node.label)).toEqual(['c', 'd']);
  });
});
