// The stream records of change capture (change-capture.mjs): an item's record from its
// images before and after a write, and the item lock names, which compare keys as images do.
// Plain JavaScript: dynalite's worker thread loads it without the TypeScript loader.

/** The record of a write to one item (`{ table, key }`); undefined if the write changed nothing. */
export function changeRecord(item, oldImage, newImage, serviceDelete) {
  if (oldImage === undefined && newImage === undefined) return undefined;
  if (oldImage !== undefined && newImage !== undefined && canonical(oldImage) === canonical(newImage)) return undefined;
  const eventName = oldImage === undefined ? 'INSERT' : newImage === undefined ? 'REMOVE' : 'MODIFY';
  return {
    table: item.table,
    eventName,
    keys: item.key,
    ...(newImage ? { newImage } : {}),
    ...(oldImage ? { oldImage } : {}),
    ...(serviceDelete ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}

/** The name of an item's lock: its table and its key. */
export function lockNameOf(item) {
  return `${item.table}\u0000${canonical(item.key)}`;
}

export function pick(item, names) {
  return Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));
}

/** JSON with object keys sorted, so that two images with the same attributes compare equal. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
    .join(',')}}`;
}
