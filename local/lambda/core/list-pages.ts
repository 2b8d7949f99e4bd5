import { AwsError } from '../../endpoint/aws-error.js';

/**
 * One page of a list: `MaxItems` (1 to 10000; at most `limit` are answered) items after
 * `Marker`. The marker is the next item's key, so it stays valid across restarts.
 */
export function listPage<T>(
  all: readonly T[],
  page: { readonly Marker?: unknown; readonly MaxItems?: unknown },
  limit: number,
  key: (item: T) => string,
): { items: T[]; next?: string } {
  const maxItemsText = page.MaxItems === undefined ? null : String(page.MaxItems);
  let maxItems = limit;
  if (maxItemsText !== null) {
    const value = Number(maxItemsText);
    if (!Number.isInteger(value) || value < 1 || value > 10_000) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${maxItemsText}' at 'maxItems' failed to satisfy constraint: Member must have value ${
          value < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'
        }`,
      );
    }
    maxItems = Math.min(value, limit);
  }
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
