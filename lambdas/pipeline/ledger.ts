import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * The pipeline's side-effect ledger: one item per job and effect (key `jobId`, `effect`).
 * A stage applies its effect with ONE conditional write (`attribute_not_exists(applied)`),
 * so a duplicate or retried event finds it applied and changes nothing; `applied` counts
 * how often it was applied, which a test asserts is 1.
 */
export interface LedgerEntry {
  readonly jobId: string;
  readonly effect: string;
  readonly applied: number;
  /** What the effect produced (the next event's fields). */
  readonly output: Record<string, unknown>;
  /** Set once the stage's completion event was published. */
  readonly emitted?: boolean;
}

export class Ledger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Applies `effect` for the job once; `applied` is false if an earlier delivery had. */
  async applyOnce(
    jobId: string,
    effect: string,
    output: Record<string, unknown>,
    now: Date,
  ): Promise<{ applied: boolean; entry: LedgerEntry }> {
    try {
      const { Attributes } = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ jobId, effect }),
          UpdateExpression: 'SET #output = :output, appliedAt = :now ADD applied :one',
          ConditionExpression: 'attribute_not_exists(applied)',
          ExpressionAttributeNames: { '#output': 'output' },
          ExpressionAttributeValues: marshall({ ':output': output, ':now': now.toISOString(), ':one': 1 }, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: true, entry: unmarshall(Attributes ?? {}) as LedgerEntry };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const entry = await this.get(jobId, effect);
      if (entry === undefined) throw new Error(`ledger item ${jobId}/${effect} refused the write but cannot be read`);
      return { applied: false, entry };
    }
  }

  async get(jobId: string, effect: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ jobId, effect }), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (unmarshall(Item) as LedgerEntry);
  }

  /** Records that the effect's completion event went out, so a duplicate does not send it again. */
  async markEmitted(jobId: string, effect: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ jobId, effect }),
        UpdateExpression: 'SET emitted = :yes',
        ExpressionAttributeValues: { ':yes': { BOOL: true } },
      }),
    );
  }

  /** Counts one more attempt at `effect` (simulated failures need to know which attempt this is). */
  async countAttempt(jobId: string, effect: string): Promise<number> {
    const { Attributes } = await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ jobId, effect: `attempts#${effect}` }),
        UpdateExpression: 'ADD attempts :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.attempts?.N ?? '1');
  }
}
