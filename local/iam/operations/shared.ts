/** What an operation's mapping may look up in the running app. */
export interface OperationContext {
  readonly accountId: string;
  readonly region: string;
  /** The KMS key ARN an id, alias name or alias ARN names (undefined: unknown). */
  kmsKeyArn?(keyIdOrAlias: string): string | undefined;
  /** The customer-managed KMS key a queue encrypts with (undefined: none or AWS owned). */
  queueKmsKey?(queueArn: string): string | undefined;
  /** The customer-managed KMS key a topic encrypts with. */
  topicKmsKey?(topicArn: string): string | undefined;
  /** A secret's full ARN (with its suffix) from its name or ARN. */
  secretArn?(secretId: string): string | undefined;
}

/** One authorization AWS makes for a request. */
export interface OperationAuthorization {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type OperationMap = (input: Record<string, unknown>, context: OperationContext) => readonly OperationAuthorization[];
export type OperationTable = Readonly<Record<string, OperationMap>>;

export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
export const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `{ action, resource }`. */
export const on = (action: string, resource: string, context?: OperationAuthorization['context']): OperationAuthorization =>
  context ? { action, resource, context } : { action, resource };

/** An ARN of the app's account and region: `arn:aws:<service>:<region>:<account>:<resource>`. */
export const arnOf = (service: string, context: OperationContext, resource: string): string =>
  `arn:aws:${service}:${context.region}:${context.accountId}:${resource}`;

/** A table where each operation is the action of the same name on one resource (`*` when it has none). */
export function sameNamed(
  service: string,
  operations: Readonly<Record<string, (input: Record<string, unknown>, context: OperationContext) => string>>,
): OperationTable {
  return Object.fromEntries(
    Object.entries(operations).map(([operation, resource]) => [
      operation,
      (input, context) => [on(`${service}:${operation}`, resource(input, context))],
    ]),
  );
}

/** For operations that take no resource. */
export const ANY = (): string => '*';
