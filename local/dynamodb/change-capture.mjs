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
import { answerOf, callDynalite, crc32Of, forward, replay, send, sendOutput } from './change-capture-http.mjs';
import { ItemLocks } from './change-capture-locks.mjs';
import { changeRecord, lockNameOf, pick } from './change-capture-records.mjs';

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
  const capture = new ChangeCapture(inner, main);
  server.on('request', (req, res) => capture.handle(req, res));

  return {
    /** The tables with a stream, as the main thread keeps them. */
    setStreams(next) {
      capture.setStreams(next);
    },
    recover: () => capture.recover(),
  };
}

/** Change capture in dynalite's thread: `inner` hands a request to dynalite, `main` asks the main thread. */
class ChangeCapture {
  constructor(inner, main) {
    this.inner = inner;
    this.main = main;
    /** @type {Map<string, { viewType: string, arn: string, label: string }>} */
    this.streams = new Map();
    this.keySchemas = new Map();
    this.locks = new ItemLocks();
  }

  setStreams(next) {
    this.streams = new Map(Object.entries(next));
  }

  /** The request listener: what change capture has a part in is read whole and routed; the rest goes to dynalite untouched. */
  handle(req, res) {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
    const interesting =
      (WRITES.has(operation) && this.streams.size > 0) ||
      DESCRIPTIONS.has(operation) ||
      TABLE_CHANGES.has(operation) ||
      TIME_TO_LIVE.has(operation) ||
      operation === UPDATE_TABLE;
    if (!interesting) return this.inner(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => this.received(operation, Buffer.concat(chunks), req, res));
  }

  received(operation, body, req, res) {
    let input;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return replay(this.inner, req, body, res);
    }
    if (input === null || typeof input !== 'object') return replay(this.inner, req, body, res);
    const done = WRITES.has(operation)
      ? this.write(operation, input, body, req, res)
      : DESCRIPTIONS.has(operation)
        ? this.describe(operation, req, body, res)
        : TABLE_CHANGES.has(operation)
          ? this.tableChange(req, body, res)
          : operation === UPDATE_TABLE
            ? this.updateTable(input, req, body, res)
            : this.timeToLive(operation, body, res);
    done.catch((error) => {
      if (!res.headersSent) send(res, 500, 'InternalServerError', `local change capture failed: ${error.message}`);
      else res.destroy();
    });
  }

  call(operation, input) {
    return callDynalite(this.inner, operation, input);
  }

  async keyAttributes(table) {
    let names = this.keySchemas.get(table);
    if (names) return names;
    const answer = await this.call('DescribeTable', { TableName: table });
    if (answer.status !== 200) return undefined;
    names = JSON.parse(answer.body).Table.KeySchema.map((k) => k.AttributeName);
    this.keySchemas.set(table, names);
    return names;
  }

  async imageOf(table, key) {
    const answer = await this.call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    if (answer.status !== 200) return undefined;
    return JSON.parse(answer.body).Item;
  }

  /** The items a write touches: `{ table, key, put? }` each (`put`: the whole new item of a PutItem). */
  async touched(operation, input) {
    if (operation === 'BatchWriteItem') return this.touchedByBatch(input);
    const table = input.TableName;
    if (!this.streams.has(table)) return [];
    if (operation === 'PutItem') {
      const names = await this.keyAttributes(table);
      if (!names || !input.Item) return undefined;
      return [{ table, key: pick(input.Item, names), put: input.Item }];
    }
    return input.Key ? [{ table, key: input.Key }] : undefined;
  }

  async touchedByBatch(input) {
    const items = [];
    for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
      if (!this.streams.has(table)) continue;
      const names = await this.keyAttributes(table);
      if (!names || !Array.isArray(requests)) return undefined;
      for (const request of requests) {
        if (request?.PutRequest?.Item) items.push({ table, key: pick(request.PutRequest.Item, names), put: request.PutRequest.Item });
        else if (request?.DeleteRequest?.Key) items.push({ table, key: request.DeleteRequest.Key });
      }
    }
    return items;
  }

  async write(operation, input, body, req, res) {
    const items = await this.touched(operation, input);
    // Not a table with a stream, or a request dynalite will refuse: passed on as it is.
    if (!items || items.length === 0) return replay(this.inner, req, body, res);
    await this.locks.withLocks(items.map(lockNameOf), () => this.writeLocked(operation, items, body, req, res));
  }

  /** A write to a table with a stream, holding its items' locks: committed as pending, passed on, then settled with its records. */
  async writeLocked(operation, items, body, req, res) {
    const before = [];
    for (const item of items) before.push(await this.imageOf(item.table, item.key));
    const pending = await this.main.ask({
      kind: 'writeBegins',
      items: items.map((item, index) => ({ table: item.table, key: item.key, before: before[index] ?? null })),
    });
    const pendingId = pending?.pendingId;
    const answer = await answerOf(this.inner, req, body);
    if (answer.status !== 200) {
      try {
        await this.main.ask({ kind: 'writeEnded', pendingId });
      } catch (error) {
        // Left pending, the write is settled at the next start: its items are unchanged, so it gives no record.
        console.error(`[dynamodb] a refused write stays pending until the next start: ${error.message}`);
      }
    }
    if (answer.status === 200) {
      const records = await this.recordsOf(operation, items, before, req);
      try {
        // Even with no record (nothing changed): the pending write is settled with them.
        await this.main.ask({ kind: 'records', records, pendingId });
      } catch (error) {
        // The write is applied but its record could not be kept: the client must not see a success.
        return send(res, 500, 'InternalServerError', `the write was applied but its stream record could not be stored: ${error.message}`);
      }
    }
    forward(res, answer);
  }

  /** The records of an applied write, from its items' images before it and after it. */
  async recordsOf(operation, items, before, req) {
    const records = [];
    const serviceDelete = operation === 'DeleteItem' && req.headers['x-switchyard-ttl-delete'] === this.main.ttlDeleteToken;
    for (const [index, item] of items.entries()) {
      const oldImage = before[index];
      const newImage = item.put ?? (operation === 'UpdateItem' ? await this.imageOf(item.table, item.key) : undefined);
      const record = changeRecord(item, oldImage, newImage, serviceDelete);
      if (record) records.push(record);
    }
    return records;
  }

  /**
   * Settles the writes a kill left pending (applied by dynalite or not, their records never
   * committed): each item's record is made from its image before the write and its image now,
   * under the item's lock, so a write that changed nothing gives none.
   */
  async recover() {
    const answer = await this.main.ask({ kind: 'pendingWrites' });
    for (const pending of answer?.writes ?? []) {
      await this.locks.withLocks(pending.items.map(lockNameOf), async () => {
        const records = [];
        for (const item of pending.items) {
          const record = changeRecord(item, item.before ?? undefined, await this.imageOf(item.table, item.key), false);
          if (record) records.push(record);
        }
        await this.main.ask({ kind: 'records', records, pendingId: pending.id });
      });
    }
  }

  async describe(operation, req, body, res) {
    const answer = await answerOf(this.inner, req, body);
    let out = answer.body;
    if (answer.status === 200) {
      const parsed = JSON.parse(answer.body);
      const description = parsed.Table ?? parsed.TableDescription;
      const input = JSON.parse(body.toString('utf8'));
      if (operation === 'CreateTable') await this.tableCreated(input);
      const stream = description && this.streams.get(description.TableName);
      if (stream) {
        showStream(description, stream);
        out = JSON.stringify(parsed);
      }
    }
    const { 'content-length': _length, 'x-amz-crc32': _crc, ...headers } = answer.headers;
    res.writeHead(answer.status, { ...headers, 'content-length': Buffer.byteLength(out), 'x-amz-crc32': String(crc32Of(out)) });
    res.end(out);
  }

  /** A table dynalite created: its stream, if it asked for one, is registered with the main thread. */
  async tableCreated(input) {
    this.keySchemas.delete(input.TableName);
    const spec = input.StreamSpecification;
    if (spec?.StreamEnabled) {
      const registered = await this.main.ask({
        kind: 'streamEnabled',
        table: input.TableName,
        viewType: spec.StreamViewType,
        keySchema: input.KeySchema,
      });
      this.streams = new Map(Object.entries(registered.streams));
    }
  }

  async tableChange(req, body, res) {
    const answer = await answerOf(this.inner, req, body);
    if (answer.status === 200) {
      const input = JSON.parse(body.toString('utf8'));
      this.keySchemas.delete(input.TableName);
      const registered = await this.main.ask({ kind: 'tableDeleted', table: input.TableName });
      this.streams = new Map(Object.entries(registered.streams));
    }
    forward(res, answer);
  }

  /** UpdateTable with a StreamSpecification (dynalite has no streams): the stream is enabled or disabled here; the rest goes to dynalite. */
  async updateTable(input, req, body, res) {
    const spec = input.StreamSpecification;
    if (spec === undefined) return replay(this.inner, req, body, res);
    const table = input.TableName;
    const described = await this.call('DescribeTable', { TableName: table });
    if (described.status !== 200) return forward(res, described);
    const refusal = streamSpecificationRefusal(spec, this.streams.get(table), table);
    if (refusal) return send(res, 400, 'ValidationException', refusal);
    const refused = await this.updateTheRest(input, req);
    if (refused) return forward(res, refused);
    const keySchema = JSON.parse(described.body).Table.KeySchema;
    const registered = spec.StreamEnabled
      ? await this.main.ask({ kind: 'streamEnabled', table, viewType: spec.StreamViewType, keySchema, fresh: true })
      : await this.main.ask({ kind: 'tableDeleted', table });
    this.streams = new Map(Object.entries(registered.streams));
    const after = await this.call('DescribeTable', { TableName: table });
    const description = JSON.parse(after.body).Table;
    const stream = this.streams.get(table);
    if (stream) showStream(description, stream);
    sendOutput(res, JSON.stringify({ TableDescription: description }));
  }

  /** Passes on what an UpdateTable asks besides its StreamSpecification, if anything; dynalite's answer if it refuses it. */
  async updateTheRest(input, req) {
    const { StreamSpecification: _spec, ...rest } = input;
    if (!Object.keys(rest).some((key) => key !== 'TableName')) return undefined;
    const stripped = Buffer.from(JSON.stringify(rest));
    const headers = { ...req.headers, 'content-length': String(stripped.length) };
    const answer = await answerOf(this.inner, { headers, method: req.method, url: req.url }, stripped);
    return answer.status !== 200 ? answer : undefined;
  }

  async timeToLive(operation, body, res) {
    // dynalite answers DescribeTimeToLive with DISABLED and has no UpdateTimeToLive: the main thread keeps the settings and runs the expiry.
    const input = JSON.parse(body.toString('utf8') || '{}');
    const exists = await this.call('DescribeTable', { TableName: input.TableName });
    if (exists.status !== 200) return forward(res, exists);
    try {
      const output = await this.main.ask({ kind: 'timeToLive', operation, input });
      sendOutput(res, JSON.stringify(output));
    } catch (error) {
      send(res, 400, error.code ?? 'ValidationException', error.message);
    }
  }
}

/** Why an UpdateTable's StreamSpecification cannot be applied to a table with this stream (or none); undefined if it can. */
function streamSpecificationRefusal(spec, current, table) {
  if (typeof spec?.StreamEnabled !== 'boolean') return 'StreamSpecification.StreamEnabled is required';
  if (spec.StreamEnabled && current) return `Table already has an enabled stream: TableName: ${table}`;
  if (!spec.StreamEnabled && !current) return `Table does not have an enabled stream: TableName: ${table}`;
  if (spec.StreamEnabled && !['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(spec.StreamViewType)) {
    return 'StreamSpecification.StreamViewType must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES when StreamEnabled is true';
  }
  return undefined;
}

/** Shows a table's stream in its description, as DynamoDB does (dynalite's descriptions have none). */
function showStream(description, stream) {
  description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
  description.LatestStreamArn = stream.arn;
  description.LatestStreamLabel = stream.label;
}
