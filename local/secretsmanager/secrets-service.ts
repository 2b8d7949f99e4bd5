import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { ServiceState } from '../store/service-state.js';
import type { TagPair } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';
import type { SecretDefinition } from './definitions.js';
import { generateSecretString } from './generate-secret-string.js';
import { type SecretRow, SecretsStore, type VersionRow } from './secrets-store.js';

type Input = Record<string, unknown>;

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const STAGE = /^[A-Za-z0-9_-]{1,256}$/;
const MAX_VALUE_BYTES = 65_536;

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
const markedForDeletion = () =>
  new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
const DAY_MS = 86_400_000;

/**
 * Secrets Manager: the secrets the template declares (generated once and kept in the data
 * folder) and the calls function code makes for them, over AWS JSON 1.1
 * (`secretsmanager.<Operation>`): GetSecretValue by version stage or id, PutSecretValue
 * (which moves AWSCURRENT and AWSPREVIOUS as a rotation does), CreateSecret, DescribeSecret,
 * ListSecrets, DeleteSecret (scheduled for the end of a recovery window, or forced) and
 * RestoreSecret. Values are stored unencrypted; rotation functions are not run.
 */
export class SecretsManagerService {
  readonly #store: SecretsStore;

  constructor(private readonly options: ServiceState) {
    this.#store = new SecretsStore(options.db);
  }

  get operations(): Record<string, (input: never) => Promise<unknown>> {
    const names = [
      'GetSecretValue',
      'PutSecretValue',
      'CreateSecret',
      'DescribeSecret',
      'ListSecrets',
      'TagResource',
      'UntagResource',
      'DeleteSecret',
      'RestoreSecret',
    ] as const;
    return Object.fromEntries(names.map((name) => [name, (input: never) => this[name]((input ?? {}) as Input)]));
  }

  /**
   * Creates the template's secrets with their value (generated when the template asks);
   * a secret whose template value did not change since the last start keeps its current
   * value, including one put at run time.
   */
  declare(secrets: readonly SecretDefinition[]): string[] {
    const problems: string[] = [];
    const now = this.options.clock.now();
    for (const secret of secrets) {
      const declared = JSON.stringify(secret.value);
      try {
        const existing = this.#store.find(secret.name);
        if (!existing || existing.template_value !== declared) this.#declareValue(secret, existing, declared, now);
        // Its tags are the template's again at each start, as a Lambda function's are.
        this.#store.tags.replace(existing?.arn ?? secret.arn, Object.entries(secret.tags));
      } catch (error) {
        problems.push(`${secret.where}: not created: ${(error as Error).message}`);
      }
    }
    return problems;
  }

  /** A template's secret created, or given a new version, with the value its template declares now. */
  #declareValue(secret: SecretDefinition, existing: SecretRow | undefined, declared: string, now: number): void {
    const value = 'secretString' in secret.value ? secret.value.secretString : generateSecretString(secret.value.generate);
    if (!existing) {
      this.#store.insert({
        name: secret.name,
        arn: secret.arn,
        description: secret.description ?? null,
        kms_key_id: secret.kmsKeyId ?? null,
        created_at: now,
        changed_at: now,
        template_value: declared,
      });
    } else {
      this.#store.update(secret.name, { template_value: declared, description: secret.description ?? null });
    }
    this.#store.addVersion({ name: secret.name, version_id: randomUUID(), secret_string: value, secret_binary: null, created_at: now }, [
      'AWSCURRENT',
    ]);
  }

  async GetSecretValue(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const versionId = optionalText(input, 'VersionId');
    const stage = optionalText(input, 'VersionStage');
    let version: VersionRow | undefined;
    if (versionId !== undefined) {
      version = this.#store.version(secret.name, versionId);
      if (!version) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      }
      if (stage !== undefined && !(this.#store.stages(secret.name).get(versionId) ?? []).includes(stage)) {
        throw new AwsError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
      }
    } else {
      const label = stage ?? 'AWSCURRENT';
      version = this.#store.versionAt(secret.name, label);
      if (!version) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${label}`,
        );
      }
    }
    this.#store.update(secret.name, { accessed_at: startOfDay(this.options.clock.now()) });
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.version_id,
      ...(version.secret_string === null ? {} : { SecretString: version.secret_string }),
      ...(version.secret_binary === null ? {} : { SecretBinary: Buffer.from(version.secret_binary).toString('base64') }),
      VersionStages: this.#store.stages(secret.name).get(version.version_id) ?? [],
      CreatedDate: version.created_at / 1000,
    };
  }

  async PutSecretValue(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const value = secretValue(input);
    if (value === undefined) throw invalidParameter('You must provide either SecretString or SecretBinary.');
    const stages = stageList(input.VersionStages) ?? ['AWSCURRENT'];
    const versionId = optionalText(input, 'ClientRequestToken') ?? randomUUID();
    if (versionId.length < 32 || versionId.length > 64) throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
    const existing = this.#store.version(secret.name, versionId);
    if (existing) {
      // A retried request (same token, same value) changes nothing; a different value under it is refused.
      if (existing.secret_string !== value.secretString || !sameBytes(existing.secret_binary, value.secretBinary)) {
        throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      }
    } else {
      this.#store.addVersion(
        {
          name: secret.name,
          version_id: versionId,
          secret_string: value.secretString,
          secret_binary: value.secretBinary,
          created_at: this.options.clock.now(),
        },
        stages,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: versionId,
      VersionStages: this.#store.stages(secret.name).get(versionId) ?? [],
    };
  }

  async CreateSecret(input: Input): Promise<unknown> {
    const name = optionalText(input, 'Name');
    if (name === undefined || name.length === 0 || name.length > 512) {
      throw invalidParameter('Name must be 1 to 512 characters: letters, digits and /_+=.@-');
    }
    // AWS's words for a name with another character (its ValidationException, which the API model does not declare).
    if (!NAME.test(name)) {
      throw new AwsError(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    const existing = this.#unexpired(this.#store.find(name));
    if (existing?.deletion_date !== undefined && existing.deletion_date !== null) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const value = secretValue(input);
    const now = this.options.clock.now();
    const arn = `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${randomSuffix()}`;
    inTransaction(this.options.db, () => {
      this.#store.insert({
        name,
        arn,
        description: optionalText(input, 'Description') ?? null,
        kms_key_id: optionalText(input, 'KmsKeyId') ?? null,
        created_at: now,
        changed_at: now,
        template_value: null,
      });
      this.#store.tags.tag(arn, tagPairs(input.Tags));
    });
    if (value === undefined) return { ARN: arn, Name: name };
    const versionId = optionalText(input, 'ClientRequestToken') ?? randomUUID();
    this.#store.addVersion(
      { name, version_id: versionId, secret_string: value.secretString, secret_binary: value.secretBinary, created_at: now },
      ['AWSCURRENT'],
    );
    return { ARN: arn, Name: name, VersionId: versionId };
  }

  async DescribeSecret(input: Input): Promise<unknown> {
    return this.#describe(this.#secret(input.SecretId));
  }

  /** Adds tags to a secret, a key given again taking its new value (the API reference: it "appends tags to the existing list"). */
  async TagResource(input: Input): Promise<unknown> {
    this.#store.tags.tag(this.#live(input.SecretId).arn, tagPairs(input.Tags));
    return {};
  }

  async UntagResource(input: Input): Promise<unknown> {
    const keys = input.TagKeys;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) throw invalidParameter('TagKeys must be a list of strings.');
    this.#store.tags.untag(this.#live(input.SecretId).arn, keys);
    return {};
  }

  /** The secrets, without those scheduled for deletion unless `IncludePlannedDeletion`. */
  async ListSecrets(input: Input): Promise<unknown> {
    const secrets = this.#store.all().flatMap((secret) => this.#unexpired(secret) ?? []);
    const listed = input.IncludePlannedDeletion === true ? secrets : secrets.filter((secret) => secret.deletion_date === null);
    // A list entry names the versions' labels SecretVersionsToStages (DescribeSecret: VersionIdsToStages).
    return {
      SecretList: listed.map((secret) => {
        const { VersionIdsToStages, ...entry } = this.#describe(secret);
        return { ...entry, ...(VersionIdsToStages === undefined ? {} : { SecretVersionsToStages: VersionIdsToStages }) };
      }),
    };
  }

  /**
   * Schedules a secret's deletion at the end of its recovery window (7 to 30 days, 30 by
   * default), or deletes it at once with ForceDeleteWithoutRecovery (also one already scheduled).
   */
  async DeleteSecret(input: Input): Promise<unknown> {
    const secret = this.#secret(input.SecretId);
    const force = input.ForceDeleteWithoutRecovery === true;
    const days = input.RecoveryWindowInDays;
    if (force && days !== undefined && days !== null) {
      throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30)) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    const now = this.options.clock.now();
    if (force) {
      this.#store.purge(secret);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now / 1000 };
    }
    if (secret.deletion_date !== null) throw markedForDeletion();
    const deletionDate = now + (typeof days === 'number' ? days : 30) * DAY_MS;
    this.#store.update(secret.name, { deletion_date: deletionDate });
    return { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate / 1000 };
  }

  /** Cancels a scheduled deletion. */
  async RestoreSecret(input: Input): Promise<unknown> {
    const secret = this.#secret(input.SecretId);
    this.#store.update(secret.name, { deletion_date: null });
    return { ARN: secret.arn, Name: secret.name };
  }

  /**
   * A secret as DescribeSecret and ListSecrets answer it. As AWS's recorded answers show,
   * `RotationEnabled` is left out of a secret never rotated (none is, locally) and
   * `VersionIdsToStages` out of one with no version yet, `Description` out when it is empty.
   */
  #describe(secret: SecretRow): Record<string, unknown> {
    const tags = this.#store.tags.list(secret.arn);
    const stages = this.#store.stages(secret.name);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description === null || secret.description === '' ? {} : { Description: secret.description }),
      ...(secret.kms_key_id === null ? {} : { KmsKeyId: secret.kms_key_id }),
      CreatedDate: secret.created_at / 1000,
      LastChangedDate: secret.changed_at / 1000,
      ...(secret.accessed_at === null ? {} : { LastAccessedDate: secret.accessed_at / 1000 }),
      ...(tags.length === 0 ? {} : { Tags: tags.map(([Key, Value]) => ({ Key, Value })) }),
      ...(secret.deletion_date === null ? {} : { DeletedDate: secret.deletion_date / 1000 }),
      ...(stages.size === 0 ? {} : { VersionIdsToStages: Object.fromEntries(stages) }),
    };
  }

  /** A secret's full ARN from its name or (partial) ARN, for IAM, which authorizes on it; undefined when there is none. */
  arnOf(secretId: string): string | undefined {
    try {
      return this.#secret(secretId).arn;
    } catch {
      // No such secret: the operation itself answers ResourceNotFoundException.
      return undefined;
    }
  }

  /** A secret by name, ARN, or ARN without the six random characters Secrets Manager appends; one scheduled for deletion too. */
  #secret(secretId: unknown): SecretRow {
    if (typeof secretId !== 'string' || secretId === '') throw invalidParameter('SecretId is required.');
    const found = this.#store.find(secretId) ?? (secretId.startsWith('arn:') ? this.#byPartialArn(secretId) : undefined);
    const secret = this.#unexpired(found);
    if (secret) return secret;
    throw notFound();
  }

  #byPartialArn(arn: string): SecretRow | undefined {
    return this.#store.all().find((secret) => secret.arn.slice(0, -7) === arn);
  }

  /** A secret operations other than DescribeSecret, DeleteSecret and RestoreSecret take: not scheduled for deletion. */
  #live(secretId: unknown): SecretRow {
    const secret = this.#secret(secretId);
    if (secret.deletion_date !== null) throw markedForDeletion();
    return secret;
  }

  /** The secret, or undefined once its recovery window is over (it is deleted then, by the runtime's clock). */
  #unexpired(secret: SecretRow | undefined): SecretRow | undefined {
    if (secret?.deletion_date === null || secret === undefined) return secret;
    if (secret.deletion_date > this.options.clock.now()) return secret;
    this.#store.purge(secret);
    return undefined;
  }
}

/**
 * A request's or the template's `Tags` as pairs.
 * @throws AwsError InvalidParameterException for anything but a list of `{ Key, Value }` strings
 */
function tagPairs(tags: unknown): TagPair[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidParameter('Tags must be a list of Key and Value pairs.');
  return tags.map((tag: { Key?: unknown; Value?: unknown }): TagPair => {
    if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string') throw invalidParameter('Each tag needs a Key and a Value string.');
    return [tag.Key, tag.Value];
  });
}

function optionalText(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${key} must be a string.`);
  return value;
}

function stageList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 20 || !value.every((s) => typeof s === 'string' && STAGE.test(s))) {
    throw invalidParameter('VersionStages must be a list of 1 to 20 staging labels.');
  }
  return value as string[];
}

function secretValue(input: Input): { secretString: string | null; secretBinary: Uint8Array | null } | undefined {
  const text = optionalText(input, 'SecretString');
  const binary = optionalText(input, 'SecretBinary');
  if (text !== undefined && binary !== undefined)
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  if (text === undefined && binary === undefined) return undefined;
  const bytes = binary === undefined ? null : Buffer.from(binary, 'base64');
  const size = text === undefined ? (bytes?.length ?? 0) : Buffer.byteLength(text);
  if (size > MAX_VALUE_BYTES) throw invalidParameter(`The secret value is ${size} bytes; the limit is ${MAX_VALUE_BYTES} bytes.`);
  return { secretString: text ?? null, secretBinary: bytes };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN. */
function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((byte) => alphabet.charAt(byte % alphabet.length)).join('');
}

/** LastAccessedDate is reported to the day. */
function startOfDay(ms: number): number {
  return ms - (ms % 86_400_000);
}
