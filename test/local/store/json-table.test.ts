import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { JsonTable } from '../../../local/store/json-table.js';

describe('JsonTable', () => {
  it('keeps a document by its key, a put replacing the one it had, and reads them back by key', () => {
    const db = new DatabaseSync(':memory:');
    const table = new JsonTable<{ readonly n: number }>(db, 'things', 'name');
    table.put('b', { n: 1 });
    table.put('a', { n: 2 });
    table.put('b', { n: 3 });
    expect(table.get('b')).toEqual({ n: 3 });
    expect(table.get('c')).toBeUndefined();
    expect(table.entries()).toEqual([
      ['a', { n: 2 }],
      ['b', { n: 3 }],
    ]);
    expect(table.all()).toEqual([{ n: 2 }, { n: 3 }]);
    table.delete('a');
    expect(table.all()).toEqual([{ n: 3 }]);
  });

  it('reads the rows a data folder already holds in the table it always had', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE api_rules (arn TEXT PRIMARY KEY, json TEXT NOT NULL)');
    db.prepare('INSERT INTO api_rules (arn, json) VALUES (?, ?)').run('arn:rule', '{"name":"r"}');
    const table = new JsonTable<{ readonly name: string }>(db, 'api_rules', 'arn');
    expect(table.entries()).toEqual([['arn:rule', { name: 'r' }]]);
    table.put('arn:other', { name: 'o' });
    expect(db.prepare('SELECT arn, json FROM api_rules ORDER BY arn').all()).toEqual([
      { arn: 'arn:other', json: '{"name":"o"}' },
      { arn: 'arn:rule', json: '{"name":"r"}' },
    ]);
  });
});
