import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqlWhere } from '../../../local/store/sql-where.js';

describe('SqlWhere', () => {
  it('writes the conditions given, each with the values of its ?s in order, and leaves out the filters not given', () => {
    const where = new SqlWhere()
      .and('group_name = ?', 'g')
      .given(undefined, 'timestamp >= ?')
      .given(5, 'timestamp < ?')
      .given('pre', 'substr(name, 1, ?) = ?', (prefix) => [prefix.length, prefix])
      .in('stream_name', ['a', 'b'])
      .in('status', undefined);
    expect(where.clause).toBe('WHERE group_name = ? AND timestamp < ? AND substr(name, 1, ?) = ? AND stream_name IN (?, ?)');
    expect(where.values).toEqual(['g', 5, 3, 'pre', 'a', 'b']);
  });

  it('writes no WHERE when no condition is given', () => {
    const where = new SqlWhere().given(undefined, 'seq < ?');
    expect(where.clause).toBe('');
    expect(where.values).toEqual([]);
  });

  it('selects by the conditions it wrote, an empty IN list matching nothing', () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (name TEXT, n INTEGER)');
    for (const [name, n] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      db.prepare('INSERT INTO t VALUES (?, ?)').run(name, n);
    const names = (where: SqlWhere) =>
      (db.prepare(`SELECT name FROM t ${where.clause} ORDER BY name`).all(...where.values) as { name: string }[]).map((r) => r.name);
    expect(names(new SqlWhere().given(1, 'n > ?').in('name', ['a', 'c']))).toEqual(['c']);
    expect(names(new SqlWhere().in('name', []))).toEqual([]);
    expect(names(new SqlWhere())).toEqual(['a', 'b', 'c']);
  });
});
