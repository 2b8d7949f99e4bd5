import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { CircuitBreaker } from '../../../lib/constructs/circuit-breaker.js';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { UNCONNECTED_GRANT_WARNING } from '../../../lib/constructs/unconnected-grant.js';
import { testStack } from '../../helpers/synth.js';

/** A function with inline code: these tests look at its template, never run it. */
function inlineFunction(stack: ReturnType<typeof testStack>['stack']): lambda.Function {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
}

const STORES = [
  {
    kind: 'IdempotencyStore',
    create: (stack: ReturnType<typeof testStack>['stack']) => {
      const store = new IdempotencyStore(stack, 'Store');
      return { grant: (g: iam.IGrantable) => store.grant(g), connect: (fn: lambda.Function) => store.connect(fn), table: store.table };
    },
  },
  {
    kind: 'FlowControlTable',
    create: (stack: ReturnType<typeof testStack>['stack']) => {
      const store = new FlowControlTable(stack, 'Store');
      return { grant: (g: iam.IGrantable) => store.grantUse(g), connect: (fn: lambda.Function) => store.connect(fn), table: store.table };
    },
  },
  {
    kind: 'CircuitBreaker',
    create: (stack: ReturnType<typeof testStack>['stack']) => {
      const store = new CircuitBreaker(stack, 'Store');
      return { grant: (g: iam.IGrantable) => store.grantUse(g), connect: (fn: lambda.Function) => store.connect(fn), table: store.table };
    },
  },
];

function warningsOf(stack: ReturnType<typeof testStack>['stack']) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('not connected'));
}

describe('warnIfUnconnected', () => {
  it.each(STORES)('warns at synth of a function granted on a $kind but not connected, naming both and the fix', ({ kind, create }) => {
    const { stack } = testStack();
    const store = create(stack);
    store.grant(inlineFunction(stack));
    const [warning, ...more] = warningsOf(stack);
    expect(more).toEqual([]);
    expect(warning?.id).toBe('/Test/Fn');
    const text = JSON.stringify(warning?.entry.data);
    expect(text).toContain(`granted on ${kind} Test/Store`);
    expect(text).toContain('Store.connect(fn)');
    expect(text).toContain('ConfigError');
    expect(text).toContain(UNCONNECTED_GRANT_WARNING);
  });

  it.each(STORES)('says nothing of a function connected to a $kind', ({ create }) => {
    const { stack } = testStack();
    create(stack).connect(inlineFunction(stack));
    expect(warningsOf(stack)).toEqual([]);
  });

  it.each(STORES)('says nothing of a function given the $kind table name under a variable of its own', ({ create }) => {
    const { stack } = testStack();
    const store = create(stack);
    const fn = inlineFunction(stack);
    store.grant(fn);
    fn.addEnvironment('MY_TABLE', store.table.tableName);
    expect(warningsOf(stack)).toEqual([]);
  });

  it.each(STORES)('says nothing of a role granted on a $kind', ({ create }) => {
    const { stack } = testStack();
    create(stack).grant(new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(warningsOf(stack)).toEqual([]);
  });

  it('does not take another table of the function for this one', () => {
    const { stack } = testStack();
    const idempotency = new IdempotencyStore(stack, 'Store');
    const flowControl = new FlowControlTable(stack, 'Other');
    const fn = inlineFunction(stack);
    flowControl.connect(fn);
    idempotency.grant(fn);
    expect(warningsOf(stack).map((w) => JSON.stringify(w.entry.data))).toEqual([expect.stringContaining(ENV.idempotencyTable)]);
  });
});

describe('FlowControlTable.grantUseOf', () => {
  it('warns of a function granted on a table it did not create, naming connectTo as the fix', () => {
    const { stack } = testStack();
    const table = new FlowControlTable(stack, 'Store').table;
    FlowControlTable.grantUseOf(table, inlineFunction(stack));
    expect(warningsOf(stack).map((w) => JSON.stringify(w.entry.data))).toEqual([
      expect.stringContaining('Call FlowControlTable.connectTo(table, fn) instead of FlowControlTable.grantUseOf(fn)'),
    ]);
  });
});
