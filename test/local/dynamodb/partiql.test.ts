// PartiQL for DynamoDB (the developer guide's "PartiQL - a SQL-compatible query language for
// Amazon DynamoDB" pages), sent through the AWS SDK v3 client and lib-dynamodb.
import {
  BatchExecuteStatementCommand,
  ConditionalCheckFailedException,
  DuplicateItemException,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { ExecuteStatementCommand as DocExecute, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';

const dynamodb = useDynamoDb(
  async () => {
    for (const [artist, title, genre, year] of [
      ['Acme Band', 'Happy Day', 'Rock', '2001'],
      ['Acme Band', 'PartiQL Rocks', 'Rock', '2020'],
      ['Acme Band', 'Slow Song', 'Ballad', '1999'],
      ['No One You Know', 'Call Me Today', 'Country', '2015'],
    ] as const) {
      await run(
        `INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': ?, 'Genre': ?, 'Year': ${year}, 'Info': {'Tags': ['a', 'b'], 'Plays': 0}}`,
        [{ S: artist }, { S: title }, { S: genre }],
      );
    }
  },
  {
    tables: [
      tableInput('Music', {
        key: { Artist: 'S', SongTitle: 'S' },
        globalIndexes: { byGenre: { key: { Genre: 'S' }, projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['Year'] } } },
      }),
    ],
  },
);

const run = (Statement: string, Parameters?: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  dynamodb.client.send(new ExecuteStatementCommand({ Statement, Parameters: Parameters as never, ...extra }));

const thrown = async (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the request succeeded');
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );

const titles = (items: Record<string, { S?: string }>[] | undefined) => (items ?? []).map((item) => item.SongTitle?.S);

describe('DynamoDbEngine PartiQL', () => {
  it('selects by key conditions, filters, projections and nested paths, in key order or as ORDER BY asks', async () => {
    const { Items } = await run(
      `SELECT SongTitle, Info.Tags[1], "Year" FROM "Music" WHERE Artist = ? AND SongTitle > 'H' AND "Year" >= 2000`,
      [{ S: 'Acme Band' }],
    );
    expect(Items).toEqual([
      { SongTitle: { S: 'Happy Day' }, Info: { M: { Tags: { L: [{ S: 'b' }] } } }, Year: { N: '2001' } },
      { SongTitle: { S: 'PartiQL Rocks' }, Info: { M: { Tags: { L: [{ S: 'b' }] } } }, Year: { N: '2020' } },
    ]);
    const descending = await run(
      `SELECT * FROM Music WHERE Artist IN ['No One You Know', 'Acme Band'] AND (begins_with(SongTitle, 'S') OR SongTitle = 'Happy Day') ORDER BY SongTitle DESC`,
    );
    expect(titles(descending.Items as never)).toEqual(['Slow Song', 'Happy Day']);
    const scan = await run(
      `SELECT SongTitle FROM Music WHERE Genre IS NOT MISSING AND NOT (Genre = 'Rock') AND size(SongTitle) BETWEEN 9 AND 13`,
    );
    expect(titles(scan.Items as never).sort()).toEqual(['Call Me Today', 'Slow Song']);
  });

  it('pages a SELECT with Limit and NextToken across the partitions of an IN, without losing or repeating an item', async () => {
    const seen: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await run(`SELECT SongTitle FROM Music WHERE Artist IN ['Acme Band', 'No One You Know']`, undefined, {
        Limit: 2,
        NextToken,
      });
      seen.push(...titles(page.Items as never).map(String));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    expect(seen).toEqual(['Happy Day', 'PartiQL Rocks', 'Slow Song', 'Call Me Today']);
    expect(pages).toBe(3);
    const error = await thrown(
      run(`SELECT * FROM Music`, undefined, { NextToken: Buffer.from('{"f":"x","p":0,"k":{}}').toString('base64') }),
    );
    expect(error.message).toBe('NextToken does not match request');
  });

  it('reads an index named "table"."index", with what it projects', async () => {
    const { Items } = await run(`SELECT SongTitle, "Year" FROM "Music"."byGenre" WHERE Genre = 'Rock'`);
    expect(titles(Items as never).sort()).toEqual(['Happy Day', 'PartiQL Rocks']);
    const notProjected = await thrown(run(`SELECT Info FROM "Music"."byGenre" WHERE Genre = 'Rock'`));
    expect(notProjected.message).toBe('One or more parameter values were invalid: Global secondary index byGenre does not project [Info]');
    const consistent = await thrown(run(`SELECT * FROM "Music"."byGenre"`, undefined, { ConsistentRead: true }));
    expect(consistent.message).toBe('Strongly consistent read is not supported on Global Secondary Indexes');
    const unknown = await thrown(run(`SELECT * FROM "Music"."nope"`));
    expect(unknown.message).toBe('The table does not have the specified index');
  });

  it('updates with SET (values, arithmetic, list_append, set_add, nested paths) and REMOVE, returning what RETURNING asks', async () => {
    const { Items } = await run(
      `UPDATE Music SET Info.Plays = Info.Plays + ?, Info.Tags = list_append(Info.Tags, ['c']) SET Labels = <<'x', 'y'>> REMOVE Genre WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' RETURNING MODIFIED NEW *`,
      [{ N: '5' }],
    );
    expect(Items).toEqual([
      { Info: { M: { Plays: { N: '5' }, Tags: { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }] } } }, Labels: { SS: ['x', 'y'] } },
    ]);
    await run(`UPDATE Music SET Labels = set_add(Labels, <<'z'>>) WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day'`);
    const { Item } = await dynamodb.client.send(
      new GetItemCommand({ TableName: 'Music', Key: { Artist: { S: 'Acme Band' }, SongTitle: { S: 'Happy Day' } } }),
    );
    expect(Item?.Labels).toEqual({ SS: ['x', 'y', 'z'] });
    expect(Item?.Genre).toBeUndefined();
  });

  it('fails an UPDATE of a missing item or one its WHERE does not match, and an INSERT of an existing item, writing nothing', async () => {
    const missing = await thrown(run(`UPDATE Music SET A = 1 WHERE Artist = 'nobody' AND SongTitle = 'x'`));
    expect(missing).toBeInstanceOf(ConditionalCheckFailedException);
    const unmatched = await thrown(
      run(`UPDATE Music SET A = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'Slow Song' AND "Year" = 1`, undefined, {
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    expect(unmatched).toBeInstanceOf(ConditionalCheckFailedException);
    expect((unmatched.Item as Record<string, unknown>).Year).toEqual({ N: '1999' });
    const duplicate = await thrown(run(`INSERT INTO Music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Slow Song'}`));
    expect(duplicate).toBeInstanceOf(DuplicateItemException);
    expect(duplicate.message).toBe('Duplicate primary key exists in table');
    const { Items } = await run(`SELECT * FROM Music WHERE Artist = 'nobody'`);
    expect(Items).toEqual([]);
  });

  it('deletes with a condition, returning the old item; a DELETE of a missing item does nothing', async () => {
    await run(`INSERT INTO Music VALUE {'Artist': 'Temp', 'SongTitle': 't', 'n': 1}`);
    const refused = await thrown(run(`DELETE FROM Music WHERE Artist = 'Temp' AND SongTitle = 't' AND n = 2`));
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    const { Items } = await run(`DELETE FROM Music WHERE Artist = 'Temp' AND SongTitle = 't' AND n = 1 RETURNING ALL OLD *`);
    expect(Items).toEqual([{ Artist: { S: 'Temp' }, SongTitle: { S: 't' }, n: { N: '1' } }]);
    expect(await run(`DELETE FROM Music WHERE Artist = 'Temp' AND SongTitle = 't'`)).not.toHaveProperty('Items');
    const modified = await thrown(run(`DELETE FROM Music WHERE Artist = 'Temp' AND SongTitle = 't' RETURNING ALL NEW *`));
    expect(modified.message).toBe(
      'Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.',
    );
  });

  it('fails statements DynamoDB refuses, with its words and the position of what did not parse', async () => {
    const cases: [Promise<unknown>, string][] = [
      [run('SLECT * FROM Music'), "Statement wasn't well formed, can't be processed: Expected data manipulation"],
      [run('SELECT * FROM Music WHERE'), "Statement wasn't well formed, can't be processed: Unexpected end of statement at 1:26:0"],
      [run('SELECT * FROM Music\nWHERE Artist = = 1'), "Statement wasn't well formed, can't be processed: Unexpected operator at 2:16:1"],
      [run('SELECT * FROM Music GROUP BY Artist'), "Statement wasn't well formed, can't be processed: Unexpected keyword at 1:21:5"],
      [
        run("SELECT * FROM Music WHERE Artist = 'x"),
        "Statement wasn't well formed, can't be processed: Unterminated string literal at 1:36:1",
      ],
      [run('SELECT COUNT(*) FROM Music'), 'Unexpected path component at 1:8:5'],
      [run('SELECT * FROM Music WHERE Artist = ?', [{ S: 'a' }, { S: 'b' }]), "Number of parameters in request and statement don't match."],
      [run("UPDATE Music SET A = 1 WHERE Artist = 'x'"), 'Where clause does not contain a mandatory equality on all key attributes'],
      [run('DELETE FROM "Music"."byGenre" WHERE Genre = \'x\''), 'This operation is not supported on an index'],
      [
        run('SELECT * FROM Music WHERE "Year" < ?', [{ BOOL: true }]),
        'Incorrect operand type for operator or function; operator or function: <, operand type: BOOL',
      ],
      [
        run("UPDATE Music SET Artist = 'y' WHERE Artist = 'Acme Band' AND SongTitle = 'Slow Song'"),
        'One or more parameter values were invalid: Cannot update attribute Artist. This attribute is part of the key',
      ],
    ];
    for (const [request, message] of cases) {
      const error = await thrown(request);
      expect(error.name, message).toBe('ValidationException');
      expect(error.message).toBe(message);
    }
    const table = await thrown(run('SELECT * FROM Nope'));
    expect(table.name).toBe('ResourceNotFoundException');
  });

  it('runs a batch of reads or of writes, each statement answered in its place', async () => {
    const writes = await dynamodb.client.send(
      new BatchExecuteStatementCommand({
        Statements: [
          { Statement: `INSERT INTO Music VALUE {'Artist': 'Batch', 'SongTitle': '1'}` },
          { Statement: `INSERT INTO Music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Slow Song'}` },
          { Statement: `UPDATE Music SET n = 1 WHERE Artist = 'Batch' AND SongTitle = '2'` },
          { Statement: 'SELEC nothing' },
        ],
      }),
    );
    expect(writes.Responses).toEqual([
      { TableName: 'Music' },
      { TableName: 'Music', Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } },
      { TableName: 'Music', Error: { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } },
      { Error: { Code: 'ValidationError', Message: "Statement wasn't well formed, can't be processed: Expected data manipulation" } },
    ]);
    const reads = await dynamodb.client.send(
      new BatchExecuteStatementCommand({
        Statements: [
          { Statement: `SELECT SongTitle FROM Music WHERE Artist = ? AND SongTitle = ?`, Parameters: [{ S: 'Batch' }, { S: '1' }] },
          { Statement: `SELECT * FROM Music WHERE Artist = 'Acme Band'` },
          { Statement: `SELECT * FROM Music WHERE Artist = 'none' AND SongTitle = 'none'` },
        ],
      }),
    );
    expect(reads.Responses).toEqual([
      { TableName: 'Music', Item: { SongTitle: { S: '1' } } },
      {
        Error: {
          Code: 'ValidationError',
          Message: 'Select statements within BatchExecuteStatement must specify the primary key in the where clause.',
        },
      },
      { TableName: 'Music' },
    ]);
    const mixed = await thrown(
      dynamodb.client.send(
        new BatchExecuteStatementCommand({
          Statements: [
            { Statement: `SELECT * FROM Music WHERE Artist = 'a' AND SongTitle = 'b'` },
            { Statement: `DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'c'` },
          ],
        }),
      ),
    );
    expect(mixed.message).toBe('Read and write requests together in the same batch is not supported.');
  });

  it('applies a transaction of statements all or nothing, once per ClientRequestToken, with EXISTS as a condition check', async () => {
    const transaction = (TransactStatements: { Statement: string }[], ClientRequestToken?: string) =>
      dynamodb.client.send(new ExecuteTransactionCommand({ TransactStatements, ClientRequestToken }));
    const cancelled = await thrown(
      transaction([
        { Statement: `INSERT INTO Music VALUE {'Artist': 'Tx', 'SongTitle': '1'}` },
        { Statement: `EXISTS(SELECT * FROM Music WHERE Artist = 'Acme Band' AND SongTitle = 'Slow Song' AND "Year" = 1)` },
        { Statement: `INSERT INTO Music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Happy Day'}` },
      ]),
    );
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect(cancelled.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, DuplicateItem]',
    );
    expect((await run(`SELECT * FROM Music WHERE Artist = 'Tx'`)).Items).toEqual([]);
    const statements = [
      { Statement: `INSERT INTO Music VALUE {'Artist': 'Tx', 'SongTitle': '1', 'n': 1}` },
      { Statement: `UPDATE Music SET n = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'Slow Song'` },
      { Statement: `EXISTS(SELECT * FROM Music WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day')` },
    ];
    expect((await transaction(statements, 'token-1')).Responses).toEqual([]);
    expect((await transaction(statements, 'token-1')).Responses).toEqual([]);
    const mismatch = await thrown(transaction(statements.slice(0, 2), 'token-1'));
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
    const reads = await transaction([
      { Statement: `SELECT n FROM Music WHERE Artist = 'Tx' AND SongTitle = '1'` },
      { Statement: `SELECT * FROM Music WHERE Artist = 'Tx' AND SongTitle = '2'` },
    ]);
    expect(reads.Responses).toEqual([{ Item: { n: { N: '1' } } }, {}]);
    const keyless = await thrown(transaction([{ Statement: `SELECT * FROM Music WHERE Artist = 'Tx'` }]));
    expect(keyless.message).toBe('Where clause does not contain a mandatory equality on all key attributes');
    const returning = await thrown(
      transaction([{ Statement: `DELETE FROM Music WHERE Artist = 'Tx' AND SongTitle = '1' RETURNING ALL OLD *` }]),
    );
    expect(returning.message).toBe('Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.');
  });

  it("serves lib-dynamodb's ExecuteStatement, which marshals parameters and items", async () => {
    const documents = DynamoDBDocumentClient.from(dynamodb.client);
    await documents.send(
      new DocExecute({
        Statement: `INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': ?, 'Meta': ?}`,
        Parameters: ['Doc', 'd', { plays: 3 }],
      }),
    );
    const { Items } = await documents.send(new DocExecute({ Statement: `SELECT * FROM Music WHERE Artist = ?`, Parameters: ['Doc'] }));
    expect(Items).toEqual([{ Artist: 'Doc', SongTitle: 'd', Meta: { plays: 3 } }]);
  });
});
