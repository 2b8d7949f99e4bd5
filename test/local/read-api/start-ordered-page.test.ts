import { describe, expect, it } from 'vitest';
import { type ExpressPosition, startOrderedPage } from '../../../local/read-api/routes.js';

const at = (startDate: number, arn: string): ExpressPosition => ({ startDate, arn });
const ITEMS = [at(2, 'b'), at(1, 'z'), at(3, 'a'), at(2, 'a'), at(2, 'c')];
const same = (item: ExpressPosition) => item;

/** Every page of `items`, each continuing after the last one's position. */
function pages(order: 'newest' | 'oldest', limit: number): ExpressPosition[][] {
  const found: ExpressPosition[][] = [];
  let after: ExpressPosition | undefined;
  do {
    const page = startOrderedPage(ITEMS, same, order, { limit, ...(after ? { after } : {}) });
    found.push(page.shown);
    after = page.last;
  } while (after);
  return found;
}

describe('startOrderedPage', () => {
  it('pages newest first, by start time then ARN both descending, each item once', () => {
    expect(pages('newest', 2)).toEqual([[at(3, 'a'), at(2, 'c')], [at(2, 'b'), at(2, 'a')], [at(1, 'z')]]);
  });

  it('pages oldest first, by start time then ARN both ascending, each item once', () => {
    expect(pages('oldest', 3)).toEqual([
      [at(1, 'z'), at(2, 'a'), at(2, 'b')],
      [at(2, 'c'), at(3, 'a')],
    ]);
  });

  it('gives no last position when the page holds all that is left', () => {
    expect(startOrderedPage(ITEMS, same, 'newest', { limit: 5 })).toEqual({
      shown: [at(3, 'a'), at(2, 'c'), at(2, 'b'), at(2, 'a'), at(1, 'z')],
    });
    expect(startOrderedPage(ITEMS, same, 'oldest', { limit: 2, after: at(2, 'b') })).toEqual({ shown: [at(2, 'c'), at(3, 'a')] });
  });

  it('continues after a position no item holds any more (an item dropped since)', () => {
    expect(startOrderedPage(ITEMS, same, 'newest', { limit: 1, after: at(2, 'bb') })).toEqual({ shown: [at(2, 'b')], last: at(2, 'b') });
  });
});
