/**
 * Following the read API's pages, for its clients (the CLI and the console): pure, with no
 * Node or browser API, so that both bundle it. Shapes are contract.ts's.
 */
import type { Lineage, LineageNode } from './contract.js';

/** A list page: its items under whatever name, and `nextToken` when more follow. */
export interface Paged {
  readonly nextToken?: string;
}

/** The most pages followed: a runaway loop (a server answering the same token forever) ends. */
const MAX_PAGES = 10_000;

/**
 * Reads every page of a list: `read(undefined)` first, then `read(nextToken)` until a page
 * has none. Throws if a page gives back the token it was asked with (it would loop).
 */
export async function readAllPages<P extends Paged>(read: (nextToken: string | undefined) => Promise<P>): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    pages.push(page);
    if (page.nextToken !== undefined && page.nextToken === token) throw new Error('the read API gave back the same nextToken');
    token = page.nextToken;
  } while (token !== undefined && pages.length < MAX_PAGES);
  return pages;
}

/**
 * One lineage out of its pages: their roots in order, less every root that is already in
 * another root's tree (an event an earlier event led to, found by its detail on a later
 * page; the server leaves such roots out only within one page).
 */
export function mergeLineagePages(pages: readonly Lineage[]): Lineage {
  const roots = pages.flatMap((page) => page.roots);
  const inside = new Set<string>();
  const collect = (node: LineageNode) => {
    for (const child of node.children) {
      inside.add(nodeKey(child));
      collect(child);
    }
  };
  for (const root of roots) collect(root);
  const kept: LineageNode[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const key = nodeKey(root);
    if (inside.has(key) || seen.has(key)) continue;
    seen.add(key);
    kept.push(root);
  }
  return { roots: kept };
}

function nodeKey(node: LineageNode): string {
  return `${node.kind}:${node.id}:${node.attributes?.replayName ?? ''}`;
}
