import { AwsError } from '../endpoint/aws-error.js';
import type { SecretRow, SecretsStore } from './secrets-store.js';

const DAY_MS = 86_400_000;

/** A rotation function's outcome as the local Lambda answers a synchronous invocation. */
export type RotationOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { readonly errorType?: string; readonly errorMessage?: string } };

/** The local Lambda as rotation uses it: whether a function exists, and its synchronous invocation (the runtime's own path). */
export interface RotationFunctions {
  exists(functionArn: string): boolean;
  invoke(functionArn: string, event: RotationEvent): Promise<RotationOutcome>;
}

/** The event Secrets Manager invokes a rotation function with, once for each step. */
export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** RotateSecret's RotationRules: AutomaticallyAfterDays, or a ScheduleExpression (`rate(...)`, `cron(...)`), and a Duration. */
interface RotationRules {
  readonly AutomaticallyAfterDays?: number;
  readonly ScheduleExpression?: string;
  readonly Duration?: string;
}

/**
 * RotateSecret as Secrets Manager runs it with a rotation function: the configuration kept on
 * the secret (RotationEnabled, RotationLambdaARN, RotationRules), a new version labelled
 * AWSPENDING with no value yet, and the function invoked for each step (createSecret, setSecret,
 * testSecret, finishSecret), the last of which moves AWSCURRENT to it. A step that fails ends the
 * rotation: the version keeps AWSPENDING (so RotateSecret refuses another, as AWS does) and
 * `report` says which step failed and how. Without RotateImmediately the function's testSecret
 * step alone is run, on a version removed afterwards.
 *
 * Unlike AWS, which answers RotateSecret and rotates in the background, the steps run before
 * the answer (code that polls for the new version finds it at once). Rotation on the schedule
 * of the rules is not run: the rules are kept and NextRotationDate reported.
 */
export class SecretRotation {
  constructor(
    private readonly store: SecretsStore,
    private readonly functions: () => RotationFunctions,
    private readonly now: () => number,
    private readonly report: (line: string) => void,
  ) {}

  /** Rotates `secret` (its configuration changed first); `token` is the new version's id. */
  async rotate(secret: SecretRow, input: Record<string, unknown>, token: string): Promise<void> {
    const rules = rotationRules(input.RotationRules);
    const functionArn = optionalArn(input.RotationLambdaARN) ?? secret.rotation_lambda_arn ?? undefined;
    if (functionArn === undefined)
      throw new AwsError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    if (!this.functions().exists(functionArn)) {
      throw new AwsError(
        'AccessDeniedException',
        'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
      );
    }
    const pending = this.store.versionAt(secret.name, 'AWSPENDING');
    const current = this.store.versionAt(secret.name, 'AWSCURRENT');
    if (pending && pending.version_id !== current?.version_id && pending.version_id !== token) {
      throw new AwsError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    this.store.update(secret.name, {
      rotation_lambda_arn: functionArn,
      rotation_enabled: 1,
      ...(rules === undefined ? {} : { rotation_rules: JSON.stringify(rules) }),
    });
    const immediately = input.RotateImmediately !== false;
    if (!this.store.version(secret.name, token)) {
      this.store.addVersion({ name: secret.name, version_id: token, secret_string: null, secret_binary: null, created_at: this.now() }, [
        'AWSPENDING',
      ]);
    }
    const steps = immediately ? STEPS : (['testSecret'] as const);
    const completed = await this.#run(secret, functionArn, token, steps);
    if (!immediately) {
      this.store.removeVersion(secret.name, token);
      return;
    }
    if (!completed) return;
    // A rotation that finished leaves AWSPENDING on no version (AWS's recorded answers show the new version with AWSCURRENT alone).
    if (this.store.versionAt(secret.name, 'AWSPENDING')?.version_id === token) this.store.removeStage(secret.name, 'AWSPENDING');
    this.store.update(secret.name, { last_rotated_at: this.now() });
  }

  /** Invokes the function for each step in turn; false once one fails (reported, never silent). */
  async #run(secret: SecretRow, functionArn: string, token: string, steps: readonly RotationStep[]): Promise<boolean> {
    for (const Step of steps) {
      const outcome = await this.functions().invoke(functionArn, { Step, SecretId: secret.arn, ClientRequestToken: token });
      if (!outcome.ok) {
        const { errorType, errorMessage } = outcome.error;
        this.report(
          `Secrets Manager: the rotation of secret ${secret.name} failed at its ${Step} step (${functionArn}): ` +
            `${errorType ?? 'Error'}: ${errorMessage ?? 'the function failed'}. Version ${token} keeps AWSPENDING; ` +
            'RotateSecret refuses another rotation until that label is removed (UpdateSecretVersionStage).',
        );
        return false;
      }
    }
    return true;
  }

  /** DescribeSecret's rotation fields, for a secret whose rotation was configured. */
  describe(secret: SecretRow): Record<string, unknown> {
    if (secret.rotation_enabled === null) return {};
    const rules = secret.rotation_rules === null ? undefined : (JSON.parse(secret.rotation_rules) as RotationRules);
    const next = nextRotation(rules, secret.last_rotated_at ?? secret.created_at);
    return {
      RotationEnabled: secret.rotation_enabled === 1,
      ...(secret.rotation_lambda_arn === null ? {} : { RotationLambdaARN: secret.rotation_lambda_arn }),
      ...(rules === undefined ? {} : { RotationRules: rules }),
      ...(secret.last_rotated_at === null ? {} : { LastRotatedDate: secret.last_rotated_at / 1000 }),
      ...(next === undefined || secret.rotation_enabled !== 1 ? {} : { NextRotationDate: next / 1000 }),
    };
  }
}

/**
 * When the rules next rotate after `from` (epoch ms): AutomaticallyAfterDays or `rate(N days|hours)`
 * after it; undefined for a cron expression, whose next firing the local runtime does not compute.
 */
function nextRotation(rules: RotationRules | undefined, from: number): number | undefined {
  if (rules?.AutomaticallyAfterDays !== undefined) return from + rules.AutomaticallyAfterDays * DAY_MS;
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(rules?.ScheduleExpression ?? '');
  if (!rate) return undefined;
  return from + Number(rate[1]) * (rate[2]?.startsWith('hour') ? DAY_MS / 24 : DAY_MS);
}

function rotationRules(value: unknown): RotationRules | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new AwsError('InvalidParameterException', 'RotationRules must be an object.');
  const rules = value as Record<string, unknown>;
  const days = rules.AutomaticallyAfterDays;
  if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1000)) {
    throw new AwsError('InvalidParameterException', 'AutomaticallyAfterDays must be from 1 to 1000.');
  }
  if (days !== undefined && rules.ScheduleExpression !== undefined) {
    throw new AwsError('InvalidParameterException', "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  return Object.fromEntries(
    ['AutomaticallyAfterDays', 'Duration', 'ScheduleExpression'].flatMap((key) => (rules[key] === undefined ? [] : [[key, rules[key]]])),
  ) as RotationRules;
}

function optionalArn(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new AwsError('InvalidParameterException', 'RotationLambdaARN must be a function ARN.');
  return value;
}
