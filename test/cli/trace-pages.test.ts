import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lineage, type LineageNode, READ_API_PATHS, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { runCli } from './run-cli.js';

function event(id: string, children: LineageNode[] = []): LineageNode {
  return { kind: 'event', id, label: `Paged ${id}`, time: '2026-01-31T12:00:00.000Z', status: 'accepted', children };
}

/** A read API answering the lineage of T-MANY in three pages, the third holding an event the first page's tree has. */
const PAGES: Record<string, Lineage> = {
  '': { roots: [event('e-1', [event('e-5')]), event('e-2')], nextToken: 'page-2' },
  'page-2': { roots: [event('e-3'), event('e-4')], nextToken: 'page-3' },
  'page-3': { roots: [event('e-5'), event('e-6')] },
};

let server: Server;
let url: string;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const request = new URL(req.url ?? '/', 'http://local');
    asked.push(request.search);
    const page =
      request.pathname === `${READ_API_PREFIX}${READ_API_PATHS.lineage}T-MANY` && PAGES[request.searchParams.get('nextToken') ?? ''];
    res.writeHead(page ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(page || { error: 'NotFound', message: 'nothing' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
});

describe('switchyard trace pages', () => {
  it('follows the read API nextToken to the last page and shows each root once', async () => {
    asked.length = 0;
    const { code, stdout, stderr } = await runCli(['trace', 'T-MANY', '--depth', '3', '--json', '--endpoint', url]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lineage = JSON.parse(stdout) as Lineage;
    expect(lineage.roots.map((root) => root.id)).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-6']);
    expect(lineage.nextToken).toBeUndefined();
    expect(asked).toEqual(['?depth=3', '?depth=3&nextToken=page-2', '?depth=3&nextToken=page-3']);
  });
});
