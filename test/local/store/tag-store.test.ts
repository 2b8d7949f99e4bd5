import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { TagStore } from '../../../local/store/tag-store.js';

const ARN = 'arn:aws:events:us-east-1:000000000000:event-bus/app';

describe('TagStore', () => {
  it('keeps tags by ARN in the order their keys were first given, a key given again taking its new value', () => {
    const store = new TagStore(new DatabaseSync(':memory:'));
    store.tag(ARN, [
      ['team', 'a'],
      ['10', 'ten'],
    ]);
    store.tag(ARN, [
      ['env', 'dev'],
      ['team', 'b'],
    ]);
    expect(store.list(ARN)).toEqual([
      ['team', 'b'],
      ['10', 'ten'],
      ['env', 'dev'],
    ]);
    expect(store.list('arn:other')).toEqual([]);
  });

  it('removes the keys given, and forgets a deleted resource whole', () => {
    const store = new TagStore(new DatabaseSync(':memory:'));
    store.tag(ARN, [
      ['a', '1'],
      ['b', '2'],
    ]);
    store.untag(ARN, ['a', 'missing']);
    expect(store.map(ARN)).toEqual({ b: '2' });
    store.forget(ARN);
    expect(store.list(ARN)).toEqual([]);
  });

  it("forgets every resource under a prefix (a deleted stream's consumers), taking its text as text", () => {
    const store = new TagStore(new DatabaseSync(':memory:'));
    const stream = 'arn:aws:kinesis:us-east-1:000000000000:stream/a_b';
    store.tag(`${stream}/consumer/c:1`, [['k', 'v']]);
    store.tag('arn:aws:kinesis:us-east-1:000000000000:stream/aXb/consumer/c:1', [['k', 'v']]);
    store.forgetUnder(`${stream}/consumer/`);
    expect(store.list(`${stream}/consumer/c:1`)).toEqual([]);
    expect(store.list('arn:aws:kinesis:us-east-1:000000000000:stream/aXb/consumer/c:1')).toEqual([['k', 'v']]);
  });

  it('keeps the tags an earlier version held a row per tag, by key as it listed them', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE tags (resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource_arn, key))');
    const insert = db.prepare('INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)');
    insert.run(ARN, 'b', '2');
    insert.run(ARN, 'a', '1');
    expect(new TagStore(db, { table: 'tags', arnColumn: 'resource_arn' }).list(ARN)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it("keeps the tags an earlier version held by another name than the ARN (SSM's by parameter name), under the ARN", () => {
    const db = new DatabaseSync(':memory:');
    db.exec(
      'CREATE TABLE ssm_parameter_tag (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID',
    );
    db.prepare('INSERT INTO ssm_parameter_tag (name, key, value) VALUES (?, ?, ?)').run('/app/db', 'team', 'a');
    const arnOf = (name: string) => `arn:aws:ssm:us-east-1:000000000000:parameter${name}`;
    const store = new TagStore(db, { table: 'ssm_parameter_tag', arnColumn: 'name', arnOf });
    expect(store.list(arnOf('/app/db'))).toEqual([['team', 'a']]);
  });

  it('keeps the tags a data folder of an earlier version held in its own table, and drops that table', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE tags (arn TEXT PRIMARY KEY, json TEXT NOT NULL)');
    db.prepare('INSERT INTO tags (arn, json) VALUES (?, ?)').run(ARN, JSON.stringify([{ Key: 'team', Value: 'a' }]));
    const legacy = {
      table: 'tags',
      pairs: (rows: unknown) => (rows as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value] as const),
    };
    expect(new TagStore(db, legacy).list(ARN)).toEqual([['team', 'a']]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'tags'").get()).toBeUndefined();
    expect(new TagStore(db, legacy).list(ARN)).toEqual([['team', 'a']]);
  });

  it("keeps the tags an earlier version held in its resources' own records, rewriting each without them and keeping the rest", () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE api_things (name TEXT PRIMARY KEY, json TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO api_things (name, json) VALUES (?, ?)');
    insert.run('a', JSON.stringify({ arn: ARN, size: 1, tags: { team: 'a' } }));
    insert.run('b', JSON.stringify({ arn: 'arn:b', size: 2 }));
    const legacy = {
      table: 'api_things',
      keyColumn: 'name',
      embedded: (document: unknown) => {
        const { tags, ...record } = document as { arn: string; tags?: Record<string, string> };
        return tags === undefined ? undefined : { arn: record.arn, pairs: Object.entries(tags), without: record };
      },
    };
    expect(new TagStore(db, [legacy]).list(ARN)).toEqual([['team', 'a']]);
    const records = db.prepare('SELECT json FROM api_things ORDER BY name').all() as { json: string }[];
    expect(records.map((row) => JSON.parse(row.json))).toEqual([
      { arn: ARN, size: 1 },
      { arn: 'arn:b', size: 2 },
    ]);
    const store = new TagStore(db, [legacy]);
    store.untag(ARN, ['team']);
    expect(new TagStore(db, [legacy]).list(ARN)).toEqual([]);
  });

  it("keeps the tags an earlier version held in a column of its resources' own table (a map or a list), dropping only that column", () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE things (name TEXT PRIMARY KEY, size INTEGER NOT NULL, tags TEXT)');
    const insert = db.prepare('INSERT INTO things (name, size, tags) VALUES (?, ?, ?)');
    insert.run('a', 1, JSON.stringify({ team: 'a', env: 'dev' }));
    insert.run('b', 2, JSON.stringify([{ Key: 'team', Value: 'b' }]));
    insert.run('c', 3, null);
    const arnOf = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
    const legacy = { table: 'things', tagsColumn: 'tags', arnColumn: 'name', arnOf };
    const store = new TagStore(db, legacy);
    expect(store.list(arnOf('a'))).toEqual([
      ['team', 'a'],
      ['env', 'dev'],
    ]);
    expect(store.list(arnOf('b'))).toEqual([['team', 'b']]);
    expect(store.list(arnOf('c'))).toEqual([]);
    expect(db.prepare('SELECT * FROM things ORDER BY name').all()).toEqual([
      { name: 'a', size: 1 },
      { name: 'b', size: 2 },
      { name: 'c', size: 3 },
    ]);
    store.untag(arnOf('a'), ['env']);
    expect(new TagStore(db, legacy).list(arnOf('a'))).toEqual([['team', 'a']]);
  });
});
