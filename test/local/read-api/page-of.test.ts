import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../local/read-api/cursor.js';
import { isExpressPosition, isSequence, pageOf } from '../../../local/read-api/routes.js';

const query = (params: Record<string, string> = {}) => new URLSearchParams(params);

describe('pageOf', () => {
  it('reads the first page: the limit asked (100 unless given) and no start', () => {
    const first = pageOf(query(), '/events', { bus: 'hub' }, isSequence);
    expect([first.limit, first.position, first.from('before')]).toEqual([100, undefined, { limit: 100 }]);
    expect(pageOf(query({ limit: '7' }), '/events', {}, isSequence).limit).toBe(7);
    expect(pageOf(query(), '/lineage', {}, isSequence, 500).limit).toBe(500);
  });

  it('starts the next page where the token of the last one says, under the name the source takes it by', () => {
    const { nextToken } = pageOf(query(), '/events', { bus: 'hub' }, isSequence).next(41);
    const second = pageOf(query({ nextToken: nextToken ?? '', limit: '2' }), '/events', { bus: 'hub' }, isSequence);
    expect([second.position, second.from('before'), second.from('after')]).toEqual([41, { limit: 2, before: 41 }, { limit: 2, after: 41 }]);
  });

  it('gives no token once the list ended', () => {
    expect(pageOf(query(), '/events', {}, isSequence).next(undefined)).toEqual({});
  });

  it('fails if the token is of another list, was given with other filters, or holds another kind of position', () => {
    const { nextToken = '' } = pageOf(query(), '/events', { bus: 'hub' }, isSequence).next(41);
    expect(() => pageOf(query({ nextToken }), '/mail', { bus: 'hub' }, isSequence)).toThrow(InvalidCursorError);
    expect(() => pageOf(query({ nextToken }), '/events', { bus: 'other' }, isSequence)).toThrow(/other parameters/);
    expect(() => pageOf(query({ nextToken }), '/events', { bus: 'hub' }, isExpressPosition)).toThrow(InvalidCursorError);
  });
});
