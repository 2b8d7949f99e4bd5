import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { keyPathMismatch } from '../../contracts/flow-control.js';

const path = (p: string) => p.split('.');

describe('keyPathMismatch', () => {
  it('accepts a path to a declared string, number or boolean', () => {
    const detail = Type.Object({ tenantId: Type.String(), customer: Type.Object({ tier: Type.Integer() }) });
    expect(keyPathMismatch(path('detail.tenantId'), [detail])).toBeUndefined();
    expect(keyPathMismatch(path('detail.customer.tier'), [detail])).toBeUndefined();
  });

  it('accepts a path to a nullable scalar (string | null)', () => {
    const detail = Type.Object({ tenantId: Type.Union([Type.String(), Type.Null()]) });
    expect(keyPathMismatch(path('detail.tenantId'), [detail])).toBeUndefined();
  });

  it('accepts a path through a union of objects that only one branch has', () => {
    const detail = Type.Object({
      subject: Type.Union([
        Type.Object({ kind: Type.Literal('user'), userId: Type.String() }),
        Type.Object({ kind: Type.Literal('org'), orgId: Type.String() }),
      ]),
    });
    expect(keyPathMismatch(path('detail.subject.userId'), [detail])).toBeUndefined();
    expect(keyPathMismatch(path('detail.subject.orgId'), [detail])).toBeUndefined();
  });

  it('accepts a path through a nullable object', () => {
    const detail = Type.Object({ owner: Type.Union([Type.Object({ id: Type.String() }), Type.Null()]) });
    expect(keyPathMismatch(path('detail.owner.id'), [detail])).toBeUndefined();
  });

  it('fails if no branch of a union has the path', () => {
    const detail = Type.Object({
      subject: Type.Union([Type.Object({ userId: Type.String() }), Type.Object({ orgId: Type.String() })]),
    });
    expect(keyPathMismatch(path('detail.subject.teamId'), [detail])).toBe('no contract declares detail.subject.teamId');
  });

  it('fails if every branch at the end of the path is an object, an array or null', () => {
    const detail = Type.Object({ tags: Type.Union([Type.Array(Type.String()), Type.Null()]) });
    expect(keyPathMismatch(path('detail.tags'), [detail])).toBe('detail.tags is array | null, not a string, number or boolean');
  });

  it('fails if a path outside detail is not an envelope field', () => {
    expect(keyPathMismatch(path('resources'), [Type.Object({})])).toMatch(/^a path outside detail must be one of/);
  });
});
