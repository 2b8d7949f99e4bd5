import { AwsError } from '../../endpoint/aws-error.js';

/**
 * One page of a list: `MaxItems` (at most `limit` are answered) items after `Marker`. The
 * marker is the next item's key, so it stays valid across restarts. MaxItems is a query member
 * every request's model check has kept within its operation's range (lambdaProtocol).
 */
export function listPage<T>(
  all: readonly T[],
  page: { readonly Marker?: unknown; readonly MaxItems?: unknown },
  limit: number,
  key: (item: T) => string,
): { items: T[]; next?: string } {
  const maxItems = page.MaxItems === undefined ? limit : Math.min(Number(page.MaxItems), limit);
  const marker = page.Marker === undefined ? null : String(page.Marker);
  let start = 0;
  if (marker !== null && marker !== '') {
    const decoded = Buffer.from(marker, 'base64url').toString('utf8');
    start = all.findIndex((item) => key(item) === decoded);
    if (start < 0) throw new AwsError('InvalidParameterValueException', `Invalid marker: ${marker}`);
  }
  const items = all.slice(start, start + maxItems);
  const following = all[start + maxItems];
  return { items, next: following === undefined ? undefined : Buffer.from(key(following)).toString('base64url') };
}
