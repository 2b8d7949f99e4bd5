import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { EffectInProgressError } from 'switchyard/kit';

/**
 * The pipeline's side-effect ledger: one item per job and effect (key `jobId`, `effect`).
 * A stage applies its effect with ONE conditional write (`attribute_not_exists(applied)`),
 * so a duplicate or retried event finds it applied and changes nothing; `applied` counts
 * how often it was applied, which a test asserts is 1.
 *
 * The effect and the event that announces it are one claim: the write that applies the
 * effect also claims the item (`claimToken`, `claimedUntil`) for the delivery that applied
 * it, until it marks the event sent. A twin delivery that finds the effect applied but not
 * announced may announce it only by taking the claim over, and only once the holder's claim
 * has lapsed (the holder died, or released it on failure); while it holds, the twin is told
 * to come back later. Without the claim a twin cannot tell a first delivery that died
 * between the two from one still running, and announces twice.
 */
export interface LedgerEntry {
  readonly jobId: string;
  readonly effect: string;
  readonly applied: number;
  /** What the effect produced (the next event's fields). */
  readonly output: Record<string, unknown>;
  /** Set once the stage's completion event was published. */
  readonly emitted?: boolean;
  /** The delivery that may announce the effect, until `claimedUntil` (epoch ms); removed once announced. */
  readonly claimToken?: string;
  readonly claimedUntil?: number;
}

/** A delivery's claim on an effect: who holds it, and until when (its own deadline, so it can never outlive it). */
export interface Claim {
  readonly token: string;
  readonly until: number;
}

/** What `claim` found: whether this delivery applied the effect, and whether it now holds the right to announce it. */
export interface ClaimResult {
  readonly applied: boolean;
  /** False when the effect was already announced: nothing is left to do. */
  readonly claimed: boolean;
  readonly entry: LedgerEntry;
}

export class Ledger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * Applies `effect` for the job once and claims the right to announce it. Throws
   * EffectInProgressError while a twin delivery holds an unlapsed claim on it.
   */
  async claim(jobId: string, effect: string, output: Record<string, unknown>, now: Date, claim: Claim): Promise<ClaimResult> {
    try {
      const { Attributes } = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ jobId, effect }),
          UpdateExpression: 'SET #output = :output, appliedAt = :now, claimToken = :token, claimedUntil = :until ADD applied :one',
          ConditionExpression: 'attribute_not_exists(applied)',
          ExpressionAttributeNames: { '#output': 'output' },
          ExpressionAttributeValues: marshall(
            { ':output': output, ':now': now.toISOString(), ':one': 1, ':token': claim.token, ':until': claim.until },
            { removeUndefinedValues: true },
          ),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: true, claimed: true, entry: unmarshall(Attributes ?? {}) as LedgerEntry };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return this.#takeOver(jobId, effect, now, claim);
  }

  /** The effect is applied: announce it only if nobody has and no twin holds a live claim. */
  async #takeOver(jobId: string, effect: string, now: Date, claim: Claim): Promise<ClaimResult> {
    try {
      const { Attributes } = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ jobId, effect }),
          UpdateExpression: 'SET claimToken = :token, claimedUntil = :until',
          ConditionExpression:
            'attribute_exists(applied) AND attribute_not_exists(emitted) AND (attribute_not_exists(claimedUntil) OR claimedUntil <= :now)',
          ExpressionAttributeValues: marshall({ ':token': claim.token, ':until': claim.until, ':now': now.getTime() }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: false, claimed: true, entry: unmarshall(Attributes ?? {}) as LedgerEntry };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const entry = await this.get(jobId, effect);
    if (entry === undefined) throw new Error(`ledger item ${jobId}/${effect} refused the write but cannot be read`);
    if (entry.emitted) return { applied: false, claimed: false, entry };
    const retryAfterMs = Math.max(0, (entry.claimedUntil ?? 0) - now.getTime());
    throw new EffectInProgressError(
      `${effect} for job ${jobId} is applied and a twin delivery holds the claim to announce it for ${Math.ceil(retryAfterMs / 1000)} s more`,
      retryAfterMs,
    );
  }

  async get(jobId: string, effect: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ jobId, effect }), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (unmarshall(Item) as LedgerEntry);
  }

  /** Records that the effect's completion event went out, so a twin does not send it again; the claim ends with it. */
  async markEmitted(jobId: string, effect: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ jobId, effect }),
        UpdateExpression: 'SET emitted = :yes REMOVE claimToken, claimedUntil',
        ExpressionAttributeValues: { ':yes': { BOOL: true } },
      }),
    );
  }

  /**
   * Gives up a claim this delivery holds without having announced (it failed after applying
   * the effect), so the retry may take over at once instead of waiting for it to lapse.
   * Resolves false if the claim was no longer this delivery's.
   */
  async release(jobId: string, effect: string, token: string): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ jobId, effect }),
          UpdateExpression: 'SET claimedUntil = :zero',
          ConditionExpression: 'claimToken = :token AND attribute_not_exists(emitted)',
          ExpressionAttributeValues: marshall({ ':zero': 0, ':token': token }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
