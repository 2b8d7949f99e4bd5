import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { OUTBOX_ATTRIBUTE, type OutboxAnnouncement } from '../../contracts/index.js';

/**
 * The pipeline's side-effect ledger: one item per job and effect (key `jobId`, `effect`).
 * A stage applies its effect with ONE conditional write (`attribute_not_exists(applied)`),
 * so a duplicate or retried event finds it applied and changes nothing; `applied` counts
 * how often it was applied, which a test asserts is 1.
 *
 * The effect and the event that announces it are one claim: the write that applies the
 * effect also stores the announcement (OUTBOX_ATTRIBUTE), and the ledger's outbox (a
 * TableOutbox: the table's stream -> a pipe -> the bus) sends it. No handler sends the
 * event, so no crash between "sent" and "recorded as sent" can make a twin send it again:
 * the twin's write is refused and it does nothing.
 */
export interface LedgerEntry {
  readonly jobId: string;
  readonly effect: string;
  readonly applied: number;
  /** What the effect produced (the next event's fields). */
  readonly output: Record<string, unknown>;
  readonly appliedAt: string;
  /** The stage's completion event, as the outbox sends it. */
  readonly announcement: OutboxAnnouncement;
}

export class Ledger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * Applies `effect` for the job once, with the event that announces it. Resolves false
   * (and changes nothing) if the effect was applied before: its announcement is the outbox's.
   */
  async apply(
    jobId: string,
    effect: string,
    output: Record<string, unknown>,
    now: Date,
    announcement: OutboxAnnouncement,
  ): Promise<boolean> {
    const { source, detailType, detail } = announcement;
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ jobId, effect }),
          UpdateExpression: 'SET #output = :output, appliedAt = :now, #announcement = :announcement ADD applied :one',
          ConditionExpression: 'attribute_not_exists(applied)',
          ExpressionAttributeNames: { '#output': 'output', '#announcement': OUTBOX_ATTRIBUTE },
          ExpressionAttributeValues: marshall(
            { ':output': output, ':now': now.toISOString(), ':one': 1, ':announcement': { source, detailType, detail } },
            { removeUndefinedValues: true },
          ),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(jobId: string, effect: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ jobId, effect }), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (unmarshall(Item) as LedgerEntry);
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
