import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Annotations, Stack } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';

/** What a store granted to a function without being connected says of itself. */
export interface UnconnectedGrant {
  /** The store's kind, as a sentence names it: `IdempotencyStore`. */
  readonly kind: string;
  /** Its table. */
  readonly table: dynamodb.ITable;
  /** The variable `connect` sets, where the kit reads the table's name at cold start. */
  readonly variable: string;
  /** The grant that was called: `grant`, `grantUse`. */
  readonly grant: string;
  /** The call that connects instead. @default `<store id>.connect(fn)` */
  readonly connect?: string;
}

/** The warning's id: `Annotations.of(fn).acknowledgeWarning(UNCONNECTED_GRANT_WARNING)` silences it for a function. */
export const UNCONNECTED_GRANT_WARNING = '@switchyard/constructs:grantedNotConnected';

/**
 * Warns at synth of a Lambda function granted on `store`'s table whose environment never
 * names that table: the kit reads the table's name from `grant.variable` at cold start and
 * fails there with `ConfigError` (a grant only grants; `connect` also sets the variable).
 * A function given the name under a variable of its own choosing is left alone, and so is
 * any grantee that is not a function (a role, a user). `cdk synth --strict` fails on it.
 */
export function warnIfUnconnected(store: Construct, grantee: iam.IGrantable, grant: UnconnectedGrant): void {
  if (!(grantee instanceof lambda.Function)) return;
  const fn = grantee;
  store.node.addValidation({
    validate: () => {
      if (!namesTable(fn, grant.table)) {
        Annotations.of(fn).addWarningV2(
          UNCONNECTED_GRANT_WARNING,
          `${fn.node.path} is granted on ${grant.kind} ${store.node.path} (${grant.grant}) but not connected: no variable of its environment names the table, so the kit's ${grant.variable} is unset and the function fails at cold start with ConfigError. Call ${grant.connect ?? `${store.node.id}.connect(fn)`} instead of ${grant.grant}(fn), or give it the table name yourself.`,
        );
      }
      return [];
    },
  });
}

/** Whether any variable of `fn`'s environment resolves to `table`'s name. */
function namesTable(fn: lambda.Function, table: dynamodb.ITable): boolean {
  const stack = Stack.of(fn);
  // Across stacks the variable holds an import that only deployment resolves: nothing to compare, nothing to warn of.
  if (Stack.of(table) !== stack) return true;
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const environment = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const name = JSON.stringify(stack.resolve(table.tableName));
  return Object.values(environment?.variables ?? {}).some((value) => JSON.stringify(value) === name);
}
