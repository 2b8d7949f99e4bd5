// DynamoDB Streams for dynalite, which has none: every write to a table with a stream is
// seen here, in dynalite's thread, before dynalite answers it. The item's image before and
// after the write is read under a lock on the item, so that two writes to one item are
// recorded in the order they were applied; the records are committed by the main thread
// (SQLite, local/dynamodb/streams/) before the client gets its answer, so an acknowledged
// write never lacks its record. A write that fails (a condition that does not hold) or
// changes nothing writes no record, as in DynamoDB. dynalite's store and SQLite are not one
// transaction: before a write is passed on, its items and their images are committed as a
// pending write, settled with its records; a pending write left by a kill between the two is
// settled at the next start from the items' images then (`recover`), so an applied write
// never lacks its record either.
import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';

const INTERNAL_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const TABLE_CHANGES = new Set(['DeleteTable']);
const DESCRIPTIONS = new Set(['DescribeTable', 'CreateTable']);
const TIME_TO_LIVE = new Set(['UpdateTimeToLive', 'DescribeTimeToLive']);
const UPDATE_TABLE = 'UpdateTable';

/**
 * Puts change capture in front of dynalite's request listeners.
 * @param {import('node:http').Server} server
 * @param {{ ask: (message: object) => Promise<any>, ttlDeleteToken: string }} main
 */
export function captureChanges(server, main) {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  const inner = (req, res) => {
    for (const handler of handlers) handler.call(server, req, res);
  };
  /** @type {Map<string, { viewType: string, arn: string, label: string }>} */
  let streams = new Map();
  const keySchemas = new Map();
  const locks = new Map();

  const call = (operation, input) =>
    new Promise((resolve) => {
      const body = Buffer.from(JSON.stringify(input));
      const req = Object.assign(new PassThrough(), {
        method: 'POST',
        url: '/',
        headers: {
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(body.length),
          // dynalite refuses a request without one; these calls never leave this thread.
          authorization: INTERNAL_AUTHORIZATION,
          'x-amz-date': '20260101T000000Z',
        },
      });
      inner(req, recorder(resolve));
      req.end(body);
    });

  async function keyAttributes(table) {
    let names = keySchemas.get(table);
    if (names) return names;
    const answer = await call('DescribeTable', { TableName: table });
    if (answer.status !== 200) return undefined;
    names = JSON.parse(answer.body).Table.KeySchema.map((k) => k.AttributeName);
    keySchemas.set(table, names);
    return names;
  }

  async function imageOf(table, key) {
    const answer = await call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    if (answer.status !== 200) return undefined;
    return JSON.parse(answer.body).Item;
  }

  /** Runs `work` holding the locks of these items, taken in one order so that two batches never wait on each other. */
  async function withLocks(names, work) {
    const sorted = [...new Set(names)].sort();
    const releases = [];
    for (const name of sorted) {
      const previous = locks.get(name) ?? Promise.resolve();
      let release;
      const held = new Promise((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => held);
      locks.set(name, tail);
      await previous;
      releases.push(() => {
        release();
        if (locks.get(name) === tail) locks.delete(name);
      });
    }
    try {
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }

  /** The items a write touches: `{ table, key, put? }` each (`put`: the whole new item of a PutItem). */
  async function touched(operation, input) {
    if (operation === 'BatchWriteItem') {
      const items = [];
      for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
        if (!streams.has(table)) continue;
        const names = await keyAttributes(table);
        if (!names || !Array.isArray(requests)) return undefined;
        for (const request of requests) {
          if (request?.PutRequest?.Item) items.push({ table, key: pick(request.PutRequest.Item, names), put: request.PutRequest.Item });
          else if (request?.DeleteRequest?.Key) items.push({ table, key: request.DeleteRequest.Key });
        }
      }
      return items;
    }
    const table = input.TableName;
    if (!streams.has(table)) return [];
    if (operation === 'PutItem') {
      const names = await keyAttributes(table);
      if (!names || !input.Item) return undefined;
      return [{ table, key: pick(input.Item, names), put: input.Item }];
    }
    return input.Key ? [{ table, key: input.Key }] : undefined;
  }

  async function write(operation, input, body, req, res) {
    const items = await touched(operation, input);
    // Not a table with a stream, or a request dynalite will refuse: passed on as it is.
    if (!items || items.length === 0) return replay(inner, req, body, res);
    const lockNames = items.map((item) => `${item.table}\u0000${canonical(item.key)}`);
    await withLocks(lockNames, async () => {
      const before = [];
      for (const item of items) before.push(await imageOf(item.table, item.key));
      const pending = await main.ask({
        kind: 'writeBegins',
        items: items.map((item, index) => ({ table: item.table, key: item.key, before: before[index] ?? null })),
      });
      const pendingId = pending?.pendingId;
      const answer = await new Promise((resolve) => replay(inner, req, body, recorder(resolve)));
      if (answer.status !== 200) {
        try {
          await main.ask({ kind: 'writeEnded', pendingId });
        } catch (error) {
          // Left pending, the write is settled at the next start: its items are unchanged, so it gives no record.
          console.error(`[dynamodb] a refused write stays pending until the next start: ${error.message}`);
        }
      }
      if (answer.status === 200) {
        const records = [];
        const serviceDelete = operation === 'DeleteItem' && req.headers['x-switchyard-ttl-delete'] === main.ttlDeleteToken;
        for (const [index, item] of items.entries()) {
          const oldImage = before[index];
          const newImage = item.put ?? (operation === 'UpdateItem' ? await imageOf(item.table, item.key) : undefined);
          const record = changeRecord(item, oldImage, newImage, serviceDelete);
          if (record) records.push(record);
        }
        try {
          // Even with no record (nothing changed): the pending write is settled with them.
          await main.ask({ kind: 'records', records, pendingId });
        } catch (error) {
          // The write is applied but its record could not be kept: the client must not see a success.
          return send(res, 500, 'InternalServerError', `the write was applied but its stream record could not be stored: ${error.message}`);
        }
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  }

  /**
   * Settles the writes a kill left pending (applied by dynalite or not, their records never
   * committed): each item's record is made from its image before the write and its image now,
   * under the item's lock, so a write that changed nothing gives none.
   */
  async function recover() {
    const answer = await main.ask({ kind: 'pendingWrites' });
    for (const pending of answer?.writes ?? []) {
      const lockNames = pending.items.map((item) => `${item.table}\u0000${canonical(item.key)}`);
      await withLocks(lockNames, async () => {
        const records = [];
        for (const item of pending.items) {
          const record = changeRecord(item, item.before ?? undefined, await imageOf(item.table, item.key), false);
          if (record) records.push(record);
        }
        await main.ask({ kind: 'records', records, pendingId: pending.id });
      });
    }
  }

  function changeRecord(item, oldImage, newImage, serviceDelete) {
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

  async function describe(operation, req, body, res) {
    const answer = await new Promise((resolve) => replay(inner, req, body, recorder(resolve)));
    let out = answer.body;
    if (answer.status === 200) {
      const parsed = JSON.parse(answer.body);
      const description = parsed.Table ?? parsed.TableDescription;
      const input = JSON.parse(body.toString('utf8'));
      if (operation === 'CreateTable') {
        keySchemas.delete(input.TableName);
        const spec = input.StreamSpecification;
        if (spec?.StreamEnabled) {
          const registered = await main.ask({
            kind: 'streamEnabled',
            table: input.TableName,
            viewType: spec.StreamViewType,
            keySchema: input.KeySchema,
          });
          streams = new Map(Object.entries(registered.streams));
        }
      }
      const stream = description && streams.get(description.TableName);
      if (stream) {
        description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
        description.LatestStreamArn = stream.arn;
        description.LatestStreamLabel = stream.label;
        out = JSON.stringify(parsed);
      }
    }
    const { 'content-length': _length, 'x-amz-crc32': _crc, ...headers } = answer.headers;
    res.writeHead(answer.status, { ...headers, 'content-length': Buffer.byteLength(out), 'x-amz-crc32': String(crc32Of(out)) });
    res.end(out);
  }

  async function tableChange(req, body, res) {
    const answer = await new Promise((resolve) => replay(inner, req, body, recorder(resolve)));
    if (answer.status === 200) {
      const input = JSON.parse(body.toString('utf8'));
      keySchemas.delete(input.TableName);
      const registered = await main.ask({ kind: 'tableDeleted', table: input.TableName });
      streams = new Map(Object.entries(registered.streams));
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  /** UpdateTable with a StreamSpecification (dynalite has no streams): the stream is enabled or disabled here; the rest goes to dynalite. */
  async function updateTable(input, req, body, res) {
    const spec = input.StreamSpecification;
    if (spec === undefined) return replay(inner, req, body, res);
    const table = input.TableName;
    const described = await call('DescribeTable', { TableName: table });
    if (described.status !== 200) {
      res.writeHead(described.status, described.headers);
      return res.end(described.body);
    }
    const current = streams.get(table);
    if (typeof spec?.StreamEnabled !== 'boolean')
      return send(res, 400, 'ValidationException', 'StreamSpecification.StreamEnabled is required');
    if (spec.StreamEnabled && current)
      return send(res, 400, 'ValidationException', `Table already has an enabled stream: TableName: ${table}`);
    if (!spec.StreamEnabled && !current)
      return send(res, 400, 'ValidationException', `Table does not have an enabled stream: TableName: ${table}`);
    if (spec.StreamEnabled && !['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(spec.StreamViewType)) {
      return send(
        res,
        400,
        'ValidationException',
        'StreamSpecification.StreamViewType must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES when StreamEnabled is true',
      );
    }
    const { StreamSpecification: _spec, ...rest } = input;
    if (Object.keys(rest).some((key) => key !== 'TableName')) {
      const stripped = Buffer.from(JSON.stringify(rest));
      const headers = { ...req.headers, 'content-length': String(stripped.length) };
      const answer = await new Promise((resolve) =>
        replay(inner, { headers, method: req.method, url: req.url }, stripped, recorder(resolve)),
      );
      if (answer.status !== 200) {
        res.writeHead(answer.status, answer.headers);
        return res.end(answer.body);
      }
    }
    const keySchema = JSON.parse(described.body).Table.KeySchema;
    const registered = spec.StreamEnabled
      ? await main.ask({ kind: 'streamEnabled', table, viewType: spec.StreamViewType, keySchema, fresh: true })
      : await main.ask({ kind: 'tableDeleted', table });
    streams = new Map(Object.entries(registered.streams));
    const after = await call('DescribeTable', { TableName: table });
    const description = JSON.parse(after.body).Table;
    const stream = streams.get(table);
    if (stream) {
      description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
      description.LatestStreamArn = stream.arn;
      description.LatestStreamLabel = stream.label;
    }
    const out = JSON.stringify({ TableDescription: description });
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(out),
      'x-amz-crc32': String(crc32Of(out)),
    });
    res.end(out);
  }

  async function timeToLive(operation, body, res) {
    // dynalite answers DescribeTimeToLive with DISABLED and has no UpdateTimeToLive: the main thread keeps the settings and runs the expiry.
    const input = JSON.parse(body.toString('utf8') || '{}');
    const exists = await call('DescribeTable', { TableName: input.TableName });
    if (exists.status !== 200) {
      res.writeHead(exists.status, exists.headers);
      return res.end(exists.body);
    }
    try {
      const output = await main.ask({ kind: 'timeToLive', operation, input });
      const out = JSON.stringify(output);
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': Buffer.byteLength(out),
        'x-amz-crc32': String(crc32Of(out)),
      });
      res.end(out);
    } catch (error) {
      send(res, 400, error.code ?? 'ValidationException', error.message);
    }
  }

  server.on('request', (req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
    const interesting =
      (WRITES.has(operation) && streams.size > 0) ||
      DESCRIPTIONS.has(operation) ||
      TABLE_CHANGES.has(operation) ||
      TIME_TO_LIVE.has(operation) ||
      operation === UPDATE_TABLE;
    if (!interesting) return inner(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let input;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        return replay(inner, req, body, res);
      }
      if (input === null || typeof input !== 'object') return replay(inner, req, body, res);
      const done = WRITES.has(operation)
        ? write(operation, input, body, req, res)
        : DESCRIPTIONS.has(operation)
          ? describe(operation, req, body, res)
          : TABLE_CHANGES.has(operation)
            ? tableChange(req, body, res)
            : operation === UPDATE_TABLE
              ? updateTable(input, req, body, res)
              : timeToLive(operation, body, res);
      done.catch((error) => {
        if (!res.headersSent) send(res, 500, 'InternalServerError', `local change capture failed: ${error.message}`);
        else res.destroy();
      });
    });
  });

  return {
    /** The tables with a stream, as the main thread keeps them. */
    setStreams(next) {
      streams = new Map(Object.entries(next));
    },
    recover,
  };
}

function pick(item, names) {
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

/** Hands a request whose body was already read to dynalite, as a stream that replays it. */
function replay(inner, req, body, res) {
  const copy = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
  inner(copy, res);
  copy.end(body);
}

/** A response object that keeps what dynalite answers, for a request made or checked here. */
function recorder(resolve) {
  const headers = {};
  return {
    statusCode: 200,
    headersSent: false,
    setHeader(name, value) {
      headers[name.toLowerCase()] = value;
    },
    getHeader(name) {
      return headers[name.toLowerCase()];
    },
    writeHead(status, more) {
      this.statusCode = status;
      for (const [name, value] of Object.entries(more ?? {})) headers[name.toLowerCase()] = value;
      return this;
    },
    end(body) {
      this.headersSent = true;
      resolve({
        status: this.statusCode,
        headers,
        body: body === undefined ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : String(body),
      });
    },
    destroy() {
      resolve({ status: 500, headers, body: '' });
    },
  };
}

function send(res, status, code, message) {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amz-crc32': String(crc32Of(body)),
  });
  res.end(body);
}

function crc32Of(text) {
  return crc32(Buffer.from(text, 'utf8'));
}
