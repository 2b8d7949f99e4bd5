import { unknownAction } from './iam-catalogue.js';
import type { PolicyProblem } from './types.js';

/** A policy statement as IAM's JSON policy grammar writes it. */
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

/**
 * Where a problem is, and the words every problem ends with. `asInAws`: IAM itself takes the
 * policy as written and the part grants nothing there too (an action IAM does not recognize is
 * listed among a policy's "Uncategorized actions"), so the local runtime runs as AWS does.
 * `unresolvedHere`: the template's values did not resolve locally, so what AWS would make of
 * the statement is not known here; the words claim nothing about AWS.
 */
type Note = (problem: string, how?: 'asInAws' | 'unresolvedHere') => void;

/**
 * The policy as the evaluator reads it. Each problem is named as a problem of its holder and
 * left out, never thrown, so the rest of the app runs: a document that is not one (left out
 * whole), a statement the grammar rejects (left out), an unknown action (left out of its
 * statement's Action; a statement left with none is left out), an unknown condition operator
 * (its statement left out). Only the unknown action is as in AWS, which takes the policy and
 * lets the action grant nothing; IAM (and a service taking a resource policy) refuses the
 * others as malformed, so the deploy fails there: the words say so, not that AWS accepts them.
 */
export function usablePolicy(raw: unknown, holder: string, problems: PolicyProblem[], kind: PolicyKind): PolicyDocument | undefined {
  const note: Note = (problem, how) =>
    problems.push({
      holder,
      problem:
        how === 'asInAws'
          ? `${problem}: AWS accepts the policy and this grants nothing (the local runtime leaves it out)`
          : how === 'unresolvedHere'
            ? `${problem}; the local runtime leaves the statement out, so it grants nothing here`
            : `${problem}: AWS refuses the policy as malformed (MalformedPolicyDocument), so cdk deploy fails; the local runtime leaves this out and it grants nothing here`,
      ...(how === 'asInAws' ? { asInAws: true as const } : {}),
    });
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
  // The loader drops the values it cannot resolve (each said where it failed), so an empty
  // list here is the template's values unresolved locally, not a policy AWS would refuse.
  const emptied = ['Action', 'NotAction', 'Resource', 'NotResource'].find((k) => Array.isArray(statement[k]) && statement[k].length === 0);
  if (emptied) {
    note(`${where} has no ${emptied} left here: none of its values resolved locally (said above)`, 'unresolvedHere');
    return undefined;
  }
  const wrong = grammarProblem(statement, kind);
  if (wrong) {
    note(`${where} ${wrong}`);
    return undefined;
  }
  const key = statement.Action !== undefined ? 'Action' : 'NotAction';
  const actions = list(statement[key]) as string[];
  const known = actions.filter((action) => {
    const unknown = unknownAction(action);
    if (unknown) note(`${where}: ${unknown}`, 'asInAws');
    return unknown === undefined;
  });
  // An unknown action in NotAction excludes nothing, which is what keeping it does.
  if (key === 'NotAction' || known.length === actions.length) return statement as unknown as PolicyStatement;
  if (known.length === 0) return undefined;
  return { ...(statement as unknown as PolicyStatement), Action: known };
}

const strings = (value: unknown): boolean => list(value).every((v) => typeof v === 'string') && list(value).length > 0;

/** What in a statement IAM's grammar rejects, or undefined. */
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
