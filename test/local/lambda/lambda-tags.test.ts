import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { eventSourceMapping, idTable, sqsQueue } from '../template-resources.js';
import { createFunction, functionInput, handler, templateFunction } from './control-plane-clients.js';

const ACCOUNT = '000000000000';
const functionArn = (name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

/** An app whose one function, `from-template`, has the template `Tags` given. */
const taggedApp = (tags: Record<string, string>) =>
  assemblyOf({
    TemplateFn: templateFunction({ Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  });

const cfnTags = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** An app whose function reads a queue and a table's stream through template mappings with the Tags given (the stream's left out when undefined). */
const mappedApp = (queueTags: Record<string, string>, streamTags?: Record<string, string>) =>
  assemblyOf({
    TemplateFn: templateFunction(),
    Inbox: sqsQueue('tagged-inbox'),
    Orders: idTable({ StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    QueueMapping: eventSourceMapping('Inbox', 'TemplateFn', { Tags: cfnTags(queueTags) }),
    ...(streamTags === undefined
      ? {}
      : {
          StreamMapping: eventSourceMapping('Orders', 'TemplateFn', {
            EventSourceArn: { 'Fn::GetAtt': ['Orders', 'StreamArn'] },
            StartingPosition: 'LATEST',
            Tags: cfnTags(streamTags),
          }),
        }),
  });

/** The Lambda database of a stopped runtime's data folder: what an earlier version wrote there, read and written as it is. */
function lambdaDatabase(dataDir: string): DatabaseSync {
  return new DatabaseSync(path.join(dataDir, 'lambda.sqlite'));
}

/** Rewrites the JSON record of `key` in `table` (api_functions by name, api_event_source_mappings by uuid). */
function rewriteRecord(db: DatabaseSync, table: string, column: string, key: string, change: (record: Record<string, unknown>) => object) {
  const row = db.prepare(`SELECT json FROM ${table} WHERE ${column} = ?`).get(key) as { json: string };
  db.prepare(`UPDATE ${table} SET json = ? WHERE ${column} = ?`).run(JSON.stringify(change(JSON.parse(row.json))), key);
}

describe('Lambda tags', () => {
  const runtimes = new RuntimesWithData();
  const cdkOut = assemblyOf({});
  const clients: { destroy(): void }[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await runtimes.stopAll();
  });

  /** A runtime on `dataDir`, with Lambda and SQS clients on it. */
  async function started(dataDir: string): Promise<{ runtime: LocalRuntime; lambda: LambdaClient; sqs: SQSClient }> {
    const runtime = await runtimes.start(cdkOut, { dataDir });
    const config = { endpoint: runtime.url, region, credentials, maxAttempts: 1 };
    const opened = { runtime, lambda: new LambdaClient(config), sqs: new SQSClient(config) };
    clients.push(opened.lambda, opened.sqs);
    return opened;
  }

  /** A function and an SQS mapping of it, made through the API: the mapping's UUID and ARN. */
  async function functionAndMapping(lambda: LambdaClient, sqs: SQSClient, name: string, tags?: Record<string, string>) {
    await createFunction(lambda, functionInput(name, handler('tagged'), tags ? { Tags: tags } : {}));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-q` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: Attributes?.QueueArn, ...(tags ? { Tags: tags } : {}) }),
    );
    return { uuid: String(mapping.UUID), arn: String(mapping.EventSourceMappingArn) };
  }

  it("keeps the tags a data folder of an earlier version held in its functions' and mappings' records, moved out of them once", async () => {
    const dataDir = tempDataDir();
    const first = await started(dataDir);
    const mapping = await functionAndMapping(first.lambda, first.sqs, 'old-tagged');
    await first.lambda.send(new PublishVersionCommand({ FunctionName: 'old-tagged' }));
    await runtimes.stopAll();
    // The records as the earlier version kept them: a function's tags as its template's Tags (a version's a copy), a mapping's as `tags`.
    const db = lambdaDatabase(dataDir);
    const tagged = (definition: Record<string, unknown>) => ({
      ...definition,
      template: { ...(definition.template as object), Tags: [{ Key: 'team', Value: 'a' }] },
    });
    rewriteRecord(db, 'api_functions', 'name', 'old-tagged', (record) => ({
      ...tagged(record),
      published: { 1: tagged((record.published as Record<string, Record<string, unknown>>)['1'] ?? {}) },
    }));
    rewriteRecord(db, 'api_event_source_mappings', 'uuid', mapping.uuid, (record) => ({ ...record, tags: { team: 'b' } }));
    db.close();

    const second = await started(dataDir);
    expect((await second.lambda.send(new ListTagsCommand({ Resource: functionArn('old-tagged') }))).Tags).toEqual({ team: 'a' });
    expect((await second.lambda.send(new GetFunctionCommand({ FunctionName: 'old-tagged' }))).Tags).toEqual({ team: 'a' });
    expect((await second.lambda.send(new ListTagsCommand({ Resource: mapping.arn }))).Tags).toEqual({ team: 'b' });
    // Nothing changed since version 1: PublishVersion answers it again.
    expect((await second.lambda.send(new PublishVersionCommand({ FunctionName: 'old-tagged' }))).Version).toBe('1');
    // Untagged now, they stay untagged after another restart: the records no longer hold them.
    await second.lambda.send(new UntagResourceCommand({ Resource: functionArn('old-tagged'), TagKeys: ['team'] }));
    await second.lambda.send(new UntagResourceCommand({ Resource: mapping.arn, TagKeys: ['team'] }));
    await runtimes.stopAll();
    const third = await started(dataDir);
    expect((await third.lambda.send(new ListTagsCommand({ Resource: functionArn('old-tagged') }))).Tags).toEqual({});
    expect((await third.lambda.send(new ListTagsCommand({ Resource: mapping.arn }))).Tags).toEqual({});
  });

  it("forgets a deleted function's and mapping's tags: a function created again under the name starts untagged", async () => {
    const dataDir = tempDataDir();
    const { lambda, sqs } = await started(dataDir);
    const mapping = await functionAndMapping(lambda, sqs, 'reborn', { team: 'a' });
    await lambda.send(new TagResourceCommand({ Resource: functionArn('reborn'), Tags: { env: 'dev' } }));
    expect((await lambda.send(new ListTagsCommand({ Resource: functionArn('reborn') }))).Tags).toEqual({ team: 'a', env: 'dev' });
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.uuid }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'reborn' }));
    // Nothing of theirs is kept (read beside the running runtime: the database is in WAL mode).
    const db = lambdaDatabase(dataDir);
    const kept = db.prepare('SELECT arn FROM resource_tags WHERE arn IN (?, ?)').all(functionArn('reborn'), mapping.arn);
    db.close();
    expect(kept).toEqual([]);
    await createFunction(lambda, functionInput('reborn', handler('again')));
    expect((await lambda.send(new ListTagsCommand({ Resource: functionArn('reborn') }))).Tags).toEqual({});
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'reborn' }))).Tags).toBeUndefined();
  });

  it("answers a template function's Tags, and the new ones once a synthesis changed them", async () => {
    const runtime = await runtimes.start(taggedApp({ team: 'a', env: 'dev' }));
    const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    clients.push(lambda);
    expect((await lambda.send(new ListTagsCommand({ Resource: functionArn('from-template') }))).Tags).toEqual({ team: 'a', env: 'dev' });
    await runtime.reload(taggedApp({ team: 'b' }));
    expect((await lambda.send(new ListTagsCommand({ Resource: functionArn('from-template') }))).Tags).toEqual({ team: 'b' });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'from-template' }))).Tags).toEqual({ team: 'b' });
  });

  it("answers a template mapping's Tags from the one TagStore, the new ones after a synthesis changed them, and forgets a mapping the template dropped", async () => {
    const dataDir = tempDataDir();
    const open = async (app: string) => {
      const runtime = await runtimes.start(app, { dataDir });
      const config = { endpoint: runtime.url, region, credentials, maxAttempts: 1 };
      const clientsOf = { runtime, lambda: new LambdaClient(config), sqs: new SQSClient(config) };
      clients.push(clientsOf.lambda, clientsOf.sqs);
      return clientsOf;
    };
    const { runtime, lambda, sqs } = await open(mappedApp({ team: 'queue' }, { team: 'stream' }));
    const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({}));
    const arnOf = (kind: string) => String(EventSourceMappings.find((m) => String(m.EventSourceArn).includes(kind))?.EventSourceMappingArn);
    const [queue, stream] = [arnOf(':sqs:'), arnOf('/stream/')];
    const made = await functionAndMapping(lambda, sqs, 'api-mapped', { owner: 'api' });
    const tagsOf = async (client: LambdaClient, Resource: string) => (await client.send(new ListTagsCommand({ Resource }))).Tags;
    expect(await tagsOf(lambda, queue)).toEqual({ team: 'queue' });
    expect(await tagsOf(lambda, stream)).toEqual({ team: 'stream' });
    // The store's rows, not the template read at each ListTags: what the data folder holds.
    const rows = (arn: string) => {
      const db = lambdaDatabase(dataDir);
      try {
        return db
          .prepare('SELECT key, value FROM resource_tags WHERE arn = ? ORDER BY key')
          .all(arn)
          .map((row) => ({ ...row }));
      } finally {
        db.close();
      }
    };
    expect(rows(stream)).toEqual([{ key: 'team', value: 'stream' }]);

    await runtime.reload(mappedApp({ team: 'queue-2', env: 'dev' }, { team: 'stream' }));
    expect(await tagsOf(lambda, queue)).toEqual({ team: 'queue-2', env: 'dev' });

    // Pipes runs the stream mappings and takes a template's change at the next start.
    await runtimes.stopAll();
    const again = await open(mappedApp({ team: 'queue-2', env: 'dev' }));
    expect(await tagsOf(again.lambda, queue)).toEqual({ team: 'queue-2', env: 'dev' });
    expect(await tagsOf(again.lambda, made.arn)).toEqual({ owner: 'api' });
    expect(rows(stream)).toEqual([]);
  });
});
