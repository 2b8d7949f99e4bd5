/** What an operation's mapping may look up in the running app. */
export interface OperationContext {
  readonly accountId: string;
  readonly region: string;
  /** The KMS key ARN an id, alias name or alias ARN names (undefined: unknown). */
  kmsKeyArn?(keyIdOrAlias: string): string | undefined;
  /** The customer-managed KMS key a queue encrypts with (undefined: none or AWS owned). */
  queueKmsKey?(queueArn: string): string | undefined;
  /** The customer-managed KMS key a topic encrypts with (undefined: none or AWS owned). */
  topicKmsKey?(topicArn: string): string | undefined;
  /** A secret's full ARN (with its random suffix) from its name or ARN (undefined: no such secret). */
  secretArn?(secretId: string): string | undefined;
  /** The verified SES identity mail from an address is sent as: the address or its domain (undefined: none). */
  sesIdentity?(address: string): string | undefined;
}

/** One authorization AWS makes for a request: an action on a resource, with the condition keys the service supplies. */
export interface OperationAuthorization {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The resource as the service's AccessDenied message names it, when not by its ARN (Secrets Manager: the SecretId as sent). */
  readonly named?: string;
  /**
   * Evaluated on `resource` as given even for an action IAM grants only on `*`: a service's own
   * check of a role's permissions on a resource at creation (Lambda's and Pipes' check of a
   * stream source's `dynamodb:ListStreams`), which AWS's example policies pass with a
   * statement naming the stream's ARN, as a statement naming `*` passes it too.
   */
  readonly onNamedResource?: true;
}

/** The request's members, as the API's JSON shape names them. */
export type Input = Readonly<Record<string, unknown>>;
export type OperationMap = (input: Input, context: OperationContext) => readonly OperationAuthorization[];
export type OperationTable = Readonly<Record<string, OperationMap>>;
/** An operation's one resource from its input. */
export type ResourceOf = (input: Input, context: OperationContext) => string;

/** A non-empty string member, else undefined: a garbled input gets a best ARN, never an exception. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
/** A list member's items that are objects (others are the service's to refuse). */
export const records = (value: unknown): Input[] =>
  Array.isArray(value) ? value.filter((item): item is Input => typeof item === 'object' && item !== null) : [];
/** A map member's keys. */
export const keysOf = (value: unknown): string[] =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];

export const on = (action: string, resource: string, context?: OperationAuthorization['context']): OperationAuthorization =>
  context ? { action, resource, context } : { action, resource };

/** An ARN of the app's account and region: `arn:aws:<service>:<region>:<account>:<resource>`. */
export const arnOf = (service: string, context: OperationContext, resource: string): string =>
  `arn:aws:${service}:${context.region}:${context.accountId}:${resource}`;

/** `value` when it is an ARN already, else the ARN `resource(value)` makes of a name. */
export const arnOrName = (value: unknown, fromName: (name: string) => string, fallback = '*'): string => {
  const given = text(value);
  if (given?.startsWith('arn:')) return given;
  return fromName(given ?? fallback);
};

/** For operations that take no resource (List*, account settings): AWS authorizes them on `*`. */
export const ANY: ResourceOf = () => '*';

/** The authorizations once each (a batch naming one table twice is authorized once). */
export function distinct(authorizations: readonly OperationAuthorization[]): OperationAuthorization[] {
  const seen = new Map<string, OperationAuthorization>();
  for (const a of authorizations) seen.set(JSON.stringify([a.action, a.resource, a.context ?? {}]), a);
  return [...seen.values()];
}

/**
 * A customer-managed key's authorization through a service (`kms:ViaService`), when there is a
 * key; with the `conditions` of a delivery the service makes on its own behalf (deliveries.ts).
 */
export function viaService(
  service: string,
  actions: readonly string[],
  key: string | undefined,
  context: Pick<OperationContext, 'region'>,
  conditions: Readonly<Record<string, string>> = {},
): OperationAuthorization[] {
  if (key === undefined) return [];
  const via = { ...conditions, 'kms:ViaService': `${service}.${context.region}.amazonaws.com` };
  return actions.map((action) => on(action, key, via));
}

/**
 * An operation that passes a role to its service (creating a schedule or a state machine):
 * the action on its resource, and iam:PassRole on the role with `iam:PassedToService`, as AWS checks.
 */
export function passingRole(
  prefix: string,
  operation: string,
  resource: ResourceOf,
  roleOf: (input: Input) => string | undefined,
): OperationMap {
  return (input, context) => {
    const role = roleOf(input);
    return [
      on(`${prefix}:${operation}`, resource(input, context)),
      ...(role ? [on('iam:PassRole', role, { 'iam:PassedToService': `${prefix}.amazonaws.com` })] : []),
    ];
  };
}

/**
 * A member by its name in either case: Step Functions' and Bedrock's APIs name members in
 * camelCase (`stateMachineArn`, `modelId`), their aws-sdk integrations in PascalCase.
 */
export function member(input: Input, camelName: string): string | undefined {
  return text(input[camelName]) ?? text(input[camelName.charAt(0).toUpperCase() + camelName.slice(1)]);
}

/**
 * How IAM authorizes one service's requests: what its module declares (local/service-registry), so
 * that a service's operations, their actions and its refusal live with the service.
 */
export interface ServiceIam {
  /** Its actions' prefix (`sqs`, `states`): how the endpoint's check and Step Functions' tasks name the service. */
  readonly prefix: string;
  /**
   * Operation name -> the authorizations AWS makes for a request of it, as the Service
   * Authorization Reference names their actions and resources. A service that serves no
   * API locally (its resources run from the template) maps nothing.
   */
  readonly operations: OperationTable;
  /** How the service answers a request IAM refuses: the SDK error's code and HTTP status, and how its message reads. */
  readonly accessDenied: DeniedAnswer;
}

/** How a service's AccessDenied message writes what was refused (AWS's services differ). */
export interface DeniedMessageStyle {
  /** The service's own actions in lower case (SQS: `sqs:sendmessage`), or with the prefix in capitals (SNS: `SNS:Publish`); else as IAM names them. */
  readonly actionCase?: 'lower' | 'upper-prefix';
  /** The resource in double quotes (S3: `on resource: "arn:aws:s3:::bucket/key"`). */
  readonly quotesResource?: boolean;
}

/** How a service answers a request IAM refuses. */
export interface DeniedAnswer extends DeniedMessageStyle {
  readonly code: string;
  readonly status: number;
  /**
   * How it answers when the KMS key of its resource refuses the caller: KMS's message,
   * relayed (SQS: `KMS.AccessDeniedException`, SNS: `KMSAccessDenied`, both 400).
   * @default `KMS.AccessDeniedException`, 400
   */
  readonly kms?: { readonly code: string; readonly status: number };
}

/**
 * A service's IAM as its iam-authorizations.ts declares it: its refusal, then its operations by
 * kind (most are one action on one resource, which the tables say without a function each).
 */
export interface ServiceIamDeclaration {
  readonly accessDenied: DeniedAnswer;
  /** Operations that name no resource (List*, account settings): the action of their name on `*`, as AWS authorizes them. */
  readonly unscoped?: readonly string[];
  /** Operations that are each the action of their own name on one resource. */
  readonly sameNamed?: Readonly<Record<string, ResourceOf>>;
  /** Operations that are each one action, named differently from the operation, on one resource. */
  readonly renamed?: Readonly<Record<string, readonly [action: string, resource: ResourceOf]>>;
  /** Operations authorized otherwise (several actions, a key through the service, a passed role). */
  readonly operations?: OperationTable;
}

/** The ServiceIam a declaration makes: one table of every operation, each action under the service's prefix. */
export function serviceIam(prefix: string, declaration: ServiceIamDeclaration): ServiceIam {
  const single =
    (action: string, resource: ResourceOf): OperationMap =>
    (input, context) => [on(`${prefix}:${action}`, resource(input, context))];
  const { unscoped = [], sameNamed = {}, renamed = {}, operations = {} } = declaration;
  return {
    prefix,
    accessDenied: declaration.accessDenied,
    operations: {
      ...Object.fromEntries(unscoped.map((operation) => [operation, single(operation, ANY)])),
      ...Object.fromEntries(Object.entries(sameNamed).map(([operation, resource]) => [operation, single(operation, resource)])),
      ...Object.fromEntries(Object.entries(renamed).map(([operation, [action, resource]]) => [operation, single(action, resource)])),
      ...operations,
    },
  };
}

/** An operation whose authorizations are not known (the caller says so once and lets it run). */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
}

/**
 * The authorizations AWS makes for one request of `operation` (its API name: SendMessage,
 * Invoke, GetObject) with `input` in the API's JSON shape. Garbled input never throws: a
 * missing member becomes `*` in the ARN, and the service answers the bad request itself.
 * @throws UnknownOperationError for a service (undefined: none declares the prefix) or operation with no mapping
 */
export function authorizationsFor(
  iam: ServiceIam | undefined,
  operation: string,
  input: unknown,
  context: OperationContext,
): readonly OperationAuthorization[] {
  const map = iam && Object.hasOwn(iam.operations, operation) ? iam.operations[operation] : undefined;
  if (!map) throw new UnknownOperationError(`no IAM authorizations known for ${iam?.prefix ?? 'an undeclared service'}:${operation}`);
  const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  return map(fields, context);
}
