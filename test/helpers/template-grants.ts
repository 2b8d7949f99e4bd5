import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as events from 'aws-cdk-lib/aws-events';
import { expect, it } from 'vitest';
import { SwitchyardFunction } from '../../lib/constructs/switchyard-function.js';
import { testStack } from './synth.js';

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
}

/**
 * A policy's DynamoDB grants as `action table`, sorted, whether its statements are merged or
 * not (the app minimizes its policies, a test stack does not).
 */
export function dynamoDbGrants(template: Template, policyPrefix: string): string[] {
  const policy = template.findResources('AWS::IAM::Policy')[idOf(template, 'AWS::IAM::Policy', policyPrefix)];
  const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as { Action: string | string[]; Resource: unknown }[];
  const tableOf = (resource: unknown) => (resource as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] ?? JSON.stringify(resource);
  return statements
    .flatMap((s) =>
      [s.Action]
        .flat()
        .flatMap((action) => (action.startsWith('dynamodb:') ? [s.Resource].flat().map((r) => `${action} ${tableOf(r)}`) : [])),
    )
    .sort();
}

/** The item operations a table construct grants the functions it is connected to. */
export const ITEM_OPERATIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

type Statement = { Action: string | string[]; Resource?: unknown };

/**
 * What `give` does to a function of a test stack (SwitchyardFunction `Fn`, the workflow starter's
 * code) it hands a construct: the function's environment variables, and its policies' statements,
 * all and those that allow a DynamoDB action.
 */
export function givenToFunction(give: (stack: Stack, fn: SwitchyardFunction, bus: events.EventBus) => void) {
  const { stack, bus } = testStack();
  const fn = new SwitchyardFunction(stack, 'Fn', {
    entry: path.join(import.meta.dirname, '../../lambdas/workflow-starter/handler.ts'),
    description: 'test',
  });
  give(stack, fn, bus);
  const template = Template.fromStack(stack);
  const variables: Record<string, unknown> =
    template.findResources('AWS::Lambda::Function')[idOf(template, 'AWS::Lambda::Function', 'Fn')]?.Properties.Environment?.Variables ?? {};
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  return { template, variables, statements, dynamoDbStatements: statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:')) };
}

/**
 * The tests of a table construct's wiring, `make` building it in a stack: `connect` names the
 * table (`<tableId>...`) in the function's `variable` and grants exactly the item operations;
 * the grant (`grant`, whose test `grantTitle` names) grants them and leaves the function as it is.
 */
export function itWiresFunctionsToItsTable<T>(table: {
  make: (stack: Stack) => T;
  tableId: string;
  variable: string;
  connect: (construct: T, fn: SwitchyardFunction) => void;
  grant: (construct: T, fn: SwitchyardFunction) => void;
  grantTitle: string;
}): void {
  it('connects a function: exactly the item operations, and the table name', () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => table.connect(table.make(stack), fn));
    expect(variables).toMatchObject({ [table.variable]: { Ref: expect.stringMatching(new RegExp(`^${table.tableId}`)) } });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });

  it(`${table.grantTitle} without touching the grantee (a grant only grants)`, () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => table.grant(table.make(stack), fn));
    expect(variables).not.toHaveProperty(table.variable);
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });
}
