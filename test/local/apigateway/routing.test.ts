import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../../local/apigateway/routing.js';

const table = (...keys: string[]) => new RouteTable(keys.map((routeKey) => ({ routeKey, authorizationType: 'NONE' })));
const keyOf = (t: RouteTable, method: string, path: string) => t.match(method, path)?.route.routeKey;

describe('RouteTable', () => {
  it('needs at least one segment for a greedy variable', () => {
    const t = table('ANY /files/{proxy+}');
    expect(keyOf(t, 'GET', '/files')).toBeUndefined();
    expect(keyOf(t, 'GET', '/files/')).toBeUndefined();
    expect(t.match('GET', '/files/a/b.txt')?.pathParameters).toEqual({ proxy: 'a/b.txt' });
  });

  it('matches a path variable to exactly one non-empty segment', () => {
    const t = table('GET /users/{id}');
    expect(t.match('GET', '/users/42')?.pathParameters).toEqual({ id: '42' });
    expect(keyOf(t, 'GET', '/users/42/orders')).toBeUndefined();
    expect(keyOf(t, 'GET', '/users/')).toBeUndefined();
  });

  it('prefers the more specific segment from the left, then an explicit method over ANY', () => {
    const t = table('GET /a/{x}/c', 'GET /a/b/{y}', 'ANY /a/b/c', 'GET /{proxy+}');
    expect(keyOf(t, 'GET', '/a/b/c')).toBe('ANY /a/b/c');
    expect(keyOf(t, 'GET', '/a/b/d')).toBe('GET /a/b/{y}');
    expect(keyOf(t, 'GET', '/a/z/c')).toBe('GET /a/{x}/c');
    expect(keyOf(t, 'GET', '/q')).toBe('GET /{proxy+}');
  });

  it('falls back to $default only when nothing else matches, and to nothing without it', () => {
    expect(keyOf(table('GET /a', '$default'), 'POST', '/a')).toBe('$default');
    expect(keyOf(table('GET /a'), 'POST', '/a')).toBeUndefined();
  });

  it('matches paths case-sensitively and methods case-insensitively', () => {
    const t = table('GET /Pets');
    expect(keyOf(t, 'get', '/Pets')).toBe('GET /Pets');
    expect(keyOf(t, 'GET', '/pets')).toBeUndefined();
  });
});
