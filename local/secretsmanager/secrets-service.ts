import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { ServiceState } from '../store/service-state.js';
import { inTransaction } from '../store/transaction.js';
import type { SecretDefinition } from './definitions.js';
import { generateSecretString } from './generate-secret-string.js';
import { type RotationFunctions, SecretRotation } from './rotation.js';
import {
  clientToken,
  type Input,
  invalidParameter,
  optionalText,
  randomSuffix,
  sameBytes,
  secretValue,
  stageList,
  startOfDay,
  tagPairs,
} from './secret-inputs.js';
import { checkedPolicy, policyValidation } from './secret-policies.js';
import { type SecretRow, SecretsStore, type VersionRow } from './secrets-store.js';
import { stageMove, versionPage } from './version-stages.js';

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const markedForDeletion = () =>
  new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
// AWS's words for a name with another character (its ValidationException, which the API model does not declare).
const invalidName = () =>
  new AwsError(
    'ValidationException',
    'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
  );
const DAY_MS = 86_400_000;

/** What the service is made with besides its state: the runtime's Lambda for rotation, IAM's view of secrets' policies, the console. */
export interface SecretsManagerOptions extends ServiceState {
  /** The local Lambda, looked up when a rotation needs it. @default none: RotateSecret refuses as for a function it cannot invoke */
  readonly functions?: () => RotationFunctions;
  /** A secret's resource policy put or deleted (undefined), for IAM to evaluate as on AWS. */
  readonly onPolicyChange?: (secretArn: string, policy: string | undefined) => void;
  /** Where a failed rotation is said. @default console.log */
  readonly log?: (line: string) => void;
}

const NO_FUNCTIONS: RotationFunctions = {
  exists: () => false,
  invoke: () => Promise.reject(new Error('no local Lambda to invoke')),
};

/**
 * Secrets Manager: the secrets the template declares (generated once and kept in the data
 * folder) and the calls function code makes for them, over AWS JSON 1.1
 * (`secretsmanager.<Operation>`): values and their versions (GetSecretValue by version stage or
 * id, PutSecretValue and UpdateSecret, which move AWSCURRENT and AWSPREVIOUS as AWS does,
 * UpdateSecretVersionStage, ListSecretVersionIds), the secrets themselves (CreateSecret,
 * DescribeSecret, ListSecrets, DeleteSecret scheduled for the end of a recovery window or
 * forced, RestoreSecret, tags), RotateSecret through the app's rotation function (rotation.ts)
 * and resource policies. Values are stored unencrypted.
 */
export class SecretsManagerService {
  readonly #store: SecretsStore;
  readonly #rotation: SecretRotation;

  constructor(private readonly options: SecretsManagerOptions) {
    this.#store = new SecretsStore(options.db);
    this.#rotation = new SecretRotation(
      this.#store,
      () => options.functions?.() ?? NO_FUNCTIONS,
      () => options.clock.now(),
      options.log ?? console.log,
    );
  }

  get operations(): Record<string, (input: never) => Promise<unknown>> {
    return Object.fromEntries(SERVED_OPERATIONS.map((name) => [name, (input: never) => this[name]((input ?? {}) as Input)]));
  }

  /** The resource policies put through the API, by secret ARN: IAM's again at each start. */
  resourcePolicies(): { secretArn: string; policy: string }[] {
    return this.#store
      .all()
      .flatMap((secret) => (secret.resource_policy === null ? [] : [{ secretArn: secret.arn, policy: secret.resource_policy }]));
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
      // A version RotateSecret made has no value until the rotation function puts one.
      if (!version || isValueless(version)) {
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
      if (!version || isValueless(version)) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${label}`,
        );
      }
    }
    const today = startOfDay(this.options.clock.now());
    this.#store.update(secret.name, { accessed_at: today });
    this.#store.accessed(secret.name, version.version_id, today);
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
    const versionId = this.#putVersion(secret, input, value, stageList(input.VersionStages) ?? ['AWSCURRENT']);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: versionId,
      VersionStages: this.#store.stages(secret.name).get(versionId) ?? [],
    };
  }

  /**
   * Changes a secret's description or key, and with a value gives it a new version labelled
   * AWSCURRENT (as PutSecretValue does); without one, no version is made and none is answered.
   */
  async UpdateSecret(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const value = secretValue(input);
    const description = optionalText(input, 'Description');
    const kmsKeyId = optionalText(input, 'KmsKeyId');
    const versionId = inTransaction(this.options.db, () => {
      if (description !== undefined || kmsKeyId !== undefined) {
        this.#store.update(secret.name, {
          ...(description === undefined ? {} : { description }),
          ...(kmsKeyId === undefined ? {} : { kms_key_id: kmsKeyId }),
          changed_at: this.options.clock.now(),
        });
      }
      return value === undefined ? undefined : this.#putVersion(secret, input, value, ['AWSCURRENT']);
    });
    return { ARN: secret.arn, Name: secret.name, ...(versionId === undefined ? {} : { VersionId: versionId }) };
  }

  /**
   * A new version of `value` with `stages`, its id the request's ClientRequestToken (made up
   * when absent, as the SDKs would). The same token again with the same value changes nothing;
   * with another value it is refused, as AWS does; a version RotateSecret made gets its value.
   */
  #putVersion(secret: SecretRow, input: Input, value: NonNullable<ReturnType<typeof secretValue>>, stages: readonly string[]): string {
    const versionId = clientToken(input);
    const existing = this.#store.version(secret.name, versionId);
    if (existing && !isValueless(existing)) {
      if (existing.secret_string !== value.secretString || !sameBytes(existing.secret_binary, value.secretBinary)) {
        throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      }
      return versionId;
    }
    const version = { name: secret.name, version_id: versionId, ...pick(value), created_at: this.options.clock.now() };
    this.#store.addVersion(version, stages);
    return versionId;
  }

  /**
   * Moves a staging label to a version, takes it off one, or both. The version that has it must
   * be named as RemoveFromVersionId; moving AWSCURRENT leaves AWSPREVIOUS on the version that had it.
   */
  async UpdateSecretVersionStage(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const { stage, moveTo } = stageMove(this.#store, secret, input);
    inTransaction(this.options.db, () => {
      if (moveTo === undefined) this.#store.removeStage(secret.name, stage);
      else this.#store.moveStage(secret.name, stage, moveTo);
      this.#store.update(secret.name, { changed_at: this.options.clock.now() });
    });
    return { ARN: secret.arn, Name: secret.name };
  }

  /** A secret's versions (version-stages.ts). */
  async ListSecretVersionIds(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    return { ARN: secret.arn, Name: secret.name, ...versionPage(this.#store, secret, input) };
  }

  /** Configures rotation and rotates the secret through its rotation function (rotation.ts). */
  async RotateSecret(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const token = clientToken(input);
    await this.#rotation.rotate(secret, input, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  /** Sets the secret's resource policy (what IAM evaluates from then on); BlockPublicPolicy refuses one that grants anyone access. */
  async PutResourcePolicy(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    const policy = checkedPolicy(input.ResourcePolicy, input.BlockPublicPolicy === true);
    this.#store.update(secret.name, { resource_policy: policy });
    this.options.onPolicyChange?.(secret.arn, policy);
    return { ARN: secret.arn, Name: secret.name };
  }

  async GetResourcePolicy(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    return { ARN: secret.arn, Name: secret.name, ...(secret.resource_policy === null ? {} : { ResourcePolicy: secret.resource_policy }) };
  }

  async DeleteResourcePolicy(input: Input): Promise<unknown> {
    const secret = this.#live(input.SecretId);
    this.#store.update(secret.name, { resource_policy: null });
    this.options.onPolicyChange?.(secret.arn, undefined);
    return { ARN: secret.arn, Name: secret.name };
  }

  /** Whether a policy is one IAM can evaluate as written (secret-policies.ts); the secret, when named, must exist. */
  async ValidateResourcePolicy(input: Input): Promise<unknown> {
    const arn = input.SecretId === undefined || input.SecretId === null ? undefined : this.#live(input.SecretId).arn;
    return policyValidation(input.ResourcePolicy, arn ?? 'the policy');
  }

  async CreateSecret(input: Input): Promise<unknown> {
    const name = optionalText(input, 'Name');
    if (name === undefined || name.length === 0 || name.length > 512) {
      throw invalidParameter('Name must be 1 to 512 characters: letters, digits and /_+=.@-');
    }
    if (!NAME.test(name)) throw invalidName();
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
   * the rotation fields are left out of a secret whose rotation was never configured,
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
      ...this.#rotation.describe(secret),
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
    if (!secretId.startsWith('arn:') && !NAME.test(secretId)) throw invalidName();
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

/** A version RotateSecret made, which the rotation function has not given a value yet. */
function isValueless(version: VersionRow): boolean {
  return version.secret_string === null && version.secret_binary === null;
}

function pick(value: { secretString: string | null; secretBinary: Uint8Array | null }) {
  return { secret_string: value.secretString, secret_binary: value.secretBinary };
}

/** The operations the service serves, each a method of its name (its module declares them, `apis`). */
export const SERVED_OPERATIONS = [
  'GetSecretValue',
  'PutSecretValue',
  'UpdateSecret',
  'UpdateSecretVersionStage',
  'ListSecretVersionIds',
  'CreateSecret',
  'DescribeSecret',
  'ListSecrets',
  'TagResource',
  'UntagResource',
  'DeleteSecret',
  'RestoreSecret',
  'RotateSecret',
  'PutResourcePolicy',
  'GetResourcePolicy',
  'DeleteResourcePolicy',
  'ValidateResourcePolicy',
] as const;
