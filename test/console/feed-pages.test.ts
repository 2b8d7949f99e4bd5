import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  BusEventRecord,
  BusEventsPage,
  ExpressExecutionSummary,
  ExpressExecutionsPage,
  Lineage,
} from '../../clients/read-api-contract.js';

/** What this tests of console/src/feed.ts (typed here: the console compiles with the DOM library, the tests without). */
interface Feed {
  busEvents(query?: { bus?: string; limit?: number }): Promise<BusEventsPage>;
  expressExecutions(query?: { stateMachineArn?: string; limit?: number }): Promise<ExpressExecutionsPage>;
  lineage(id: string): Promise<Lineage>;
}

/** The console's read API client, loaded with a `document` stub (it listens for tab visibility) and a fake fetch. */
let feed: Feed;
const asked: URL[] = [];
let answer: (url: URL) => unknown;

beforeAll(async () => {
  vi.stubGlobal('document', { addEventListener: () => undefined, visibilityState: 'visible' });
  vi.stubGlobal('fetch', async (input: string) => {
    const url = new URL(input, 'http://console.local');
    asked.push(url);
    return new Response(JSON.stringify(answer(url)), { status: 200 });
  });
  feed = (await import(/* @vite-ignore */ new URL('../../console/src/feed.ts', import.meta.url).href)) as Feed;
});
afterAll(() => {
  vi.unstubAllGlobals();
});

/** A list of `total` items served newest first in pages of the asked limit, the token being the next index. */
function pagedList<T>(total: number, item: (i: number) => T, key: string) {
  return (url: URL) => {
    const from = Number(url.searchParams.get('nextToken') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const to = Math.min(total, from + limit);
    return { [key]: Array.from({ length: to - from }, (_, i) => item(from + i)), ...(to < total ? { nextToken: String(to) } : {}) };
  };
}

const event = (i: number) => ({ id: `e-${i}` }) as BusEventRecord;

describe('console feed pages', () => {
  it('reads events page after page, at most 1,000 a page, until it has the number asked for', async () => {
    asked.length = 0;
    answer = pagedList(2500, event, 'events');
    const { events } = await feed.busEvents({ bus: 'hub', limit: 1500 });
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 1500 }, (_, i) => `e-${i}`));
    expect(asked.map((u) => [u.searchParams.get('limit'), u.searchParams.get('nextToken'), u.searchParams.get('bus')])).toEqual([
      ['1000', null, 'hub'],
      ['500', '1000', 'hub'],
    ]);
  });

  it('reads every event when no number is asked for', async () => {
    answer = pagedList(2100, event, 'events');
    expect((await feed.busEvents()).events).toHaveLength(2100);
  });

  it('reads the Express executions to the last page', async () => {
    answer = pagedList(1200, (i) => ({ executionArn: `arn-${i}` }) as ExpressExecutionSummary, 'executions');
    expect((await feed.expressExecutions({ stateMachineArn: 'arn:sm' })).executions).toHaveLength(1200);
  });

  it('reads every page of a lineage and shows a root once, not again under another root', async () => {
    const node = (id: string, children: Lineage['roots'] = []) => ({ kind: 'event' as const, id, label: id, time: '', children });
    const pages: Record<string, Lineage> = {
      '': { roots: [node('a', [node('c')])], nextToken: 'p2' },
      p2: { roots: [node('b'), node('c')] },
    };
    answer = (url) => pages[url.searchParams.get('nextToken') ?? ''];
    expect((await feed.lineage('T-1')).roots.map((root) => root.id)).toEqual(['a', 'b']);
  });
});
