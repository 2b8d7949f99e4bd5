import { describe, expect, it } from 'vitest';
import {
  type BusEventsPage,
  type ExpressExecutionsPage,
  type Lineage,
  mergeLineagePages,
  READ_API_PATHS,
  READ_API_PREFIX,
  type ReadApiError,
} from '../../../clients/read-api-contract.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { stateMachine } from '../template-resources.js';

const ROLE = 'arn:aws:iam::000000000000:role/paging';
const local = restartableRuntime({
  assembly: () => {
    const cdkOut = assemblyOf({
      Quick: stateMachine(
        { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        { StateMachineName: 'quick', StateMachineType: 'EXPRESS', RoleArn: ROLE },
      ),
    });
    return cdkOut;
  },
});

async function read<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${local.runtime.url}${READ_API_PREFIX}${pathAndQuery}`);
  return { status: response.status, body: (await response.json()) as T };
}

async function put(count: number, detail: (i: number) => Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const n = Math.min(10, count - i);
    const answer = await local.runtime.events.PutEvents({
      Entries: Array.from({ length: n }, (_, j) => ({ Source: 'paging', DetailType: 'Paged', Detail: JSON.stringify(detail(i + j)) })),
    });
    for (const entry of answer.Entries) if ('EventId' in entry && entry.EventId) ids.push(entry.EventId);
  }
  return ids;
}

describe('ReadApiRouter pages', () => {
  it('pages through more events than a page holds with nextToken, newest first, none twice, whatever arrives meanwhile', async () => {
    const sent = await put(25, (i) => ({ n: i, batch: 'A' }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ detailType: 'Paged', limit: '10', ...(nextToken ? { nextToken } : {}) });
      const { status, body } = await read<BusEventsPage>(`${READ_API_PATHS.events}?${query}`);
      expect(status).toBe(200);
      seen.push(...body.events.map((e) => e.id));
      nextToken = body.nextToken;
      if (++pages === 1) await put(5, (i) => ({ n: i, batch: 'B' }));
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual([...sent].reverse());
  });

  it('fails if a nextToken is not one it gave, or comes back with other filters', async () => {
    await put(3, (i) => ({ n: i }));
    const first = await read<BusEventsPage>(`${READ_API_PATHS.events}?limit=1`);
    const token = first.body.nextToken ?? '';
    expect(token).not.toBe('');
    const bad = await read<ReadApiError>(`${READ_API_PATHS.events}?nextToken=not-a-token`);
    expect(bad).toMatchObject({ status: 400, body: { error: 'InvalidParameter', message: expect.stringMatching(/nextToken/) } });
    const otherFilters = await read<ReadApiError>(`${READ_API_PATHS.events}?detailType=Other&nextToken=${token}`);
    expect(otherFilters).toMatchObject({
      status: 400,
      body: { error: 'InvalidParameter', message: expect.stringMatching(/other parameters/) },
    });
    const otherList = await read<ReadApiError>(`${READ_API_PATHS.expressExecutions}?nextToken=${token}`);
    expect(otherList.status).toBe(400);
    // The page size may change between pages.
    expect((await read<BusEventsPage>(`${READ_API_PATHS.events}?limit=2&nextToken=${token}`)).status).toBe(200);
  });

  it('pages the events whose detail holds a value, each a lineage root once', async () => {
    const sent = await put(7, (i) => ({ ticketId: 'T-PAGED', n: i }));
    const pages: Lineage[] = [];
    let nextToken: string | undefined;
    do {
      const query = new URLSearchParams({ depth: '2', limit: '3', ...(nextToken ? { nextToken } : {}) });
      const { status, body } = await read<Lineage>(`${READ_API_PATHS.lineage}T-PAGED?${query}`);
      expect(status).toBe(200);
      pages.push(body);
      nextToken = body.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.roots.length)).toEqual([3, 3, 1]);
    expect(mergeLineagePages(pages).roots.map((root) => root.id)).toEqual(sent);
  });

  it('pages the Express executions, each once', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:quick';
    for (let i = 0; i < 5; i++) await local.runtime.states.StartSyncExecution({ stateMachineArn: arn, name: `run-${i}`, input: '{}' });
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const query = new URLSearchParams({ stateMachineArn: arn, limit: '2', ...(nextToken ? { nextToken } : {}) });
      const { body } = await read<ExpressExecutionsPage>(`${READ_API_PATHS.expressExecutions}?${query}`);
      names.push(...body.executions.map((e) => e.name));
      nextToken = body.nextToken;
    } while (nextToken);
    expect([...names].sort()).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
    expect(new Set(names).size).toBe(5);
  });
});
