import { describe, expect, it } from 'vitest';
import { copyItem, type Item } from '../../../local/dynamodb/engine/values.js';

describe('copyItem', () => {
  it('copies every level of an item, so that changing the copy leaves the item as it was', () => {
    const item: Item = JSON.parse(
      '{"id":{"S":"a"},"n":{"N":"1"},"ok":{"BOOL":true},"none":{"NULL":true},"tags":{"SS":["x","y"]},"list":{"L":[{"M":{"deep":{"S":"d"}}}]}}',
    );
    const copy = copyItem(item);
    expect(copy).toEqual(item);
    ((copy.list as { L: { M: Record<string, unknown> }[] }).L[0] as { M: Record<string, unknown> }).M.deep = { S: 'changed' };
    (copy.tags as { SS: string[] }).SS.push('z');
    expect(JSON.stringify(item)).toBe(
      '{"id":{"S":"a"},"n":{"N":"1"},"ok":{"BOOL":true},"none":{"NULL":true},"tags":{"SS":["x","y"]},"list":{"L":[{"M":{"deep":{"S":"d"}}}]}}',
    );
  });

  it("keeps a map key named __proto__ as a key, not as the copy's prototype", () => {
    const item: Item = JSON.parse('{"doc":{"M":{"__proto__":{"S":"a key like any other"}}}}');
    const copy = copyItem(item);
    expect(JSON.stringify(copy)).toBe('{"doc":{"M":{"__proto__":{"S":"a key like any other"}}}}');
    expect(Object.getPrototypeOf((copy.doc as { M: object }).M)).toBe(Object.prototype);
  });
});
