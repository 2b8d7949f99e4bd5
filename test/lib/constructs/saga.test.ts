import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ORDER_ERRORS, OrderCompleted, OrderFailed } from '../../../domain/index.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { Saga, type SagaProps, type SagaStep } from '../../../lib/constructs/saga.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { definitionOf, testStack } from '../../helpers/synth.js';

// biome-ignore lint/suspicious/noExplicitAny: ASL states read as plain JSON
type State = Record<string, any>;

function saga(override: (steps: SagaStep[]) => Partial<SagaProps> = () => ({})) {
  const { stack, bus } = testStack();
  const fn = new SwitchyardFunction(stack, 'Fn', {
    entry: path.join(import.meta.dirname, '../../../lambdas/orders/handler.ts'),
    description: 'steps',
  });
  const call = (name: string) => ({ function: fn, payload: { name } });
  const steps: SagaStep[] = [
    { name: 'Reserve', action: call('reserve'), compensation: call('release'), businessErrors: ['OutOfStock'] },
    { name: 'Charge', action: call('charge'), compensation: call('refund'), businessErrors: ['PaymentDeclined'] },
    { name: 'Ship', action: call('ship'), businessErrors: ['ShipmentRejected'] },
  ];
  new Saga(stack, 'Saga', {
    eventBus: bus,
    steps,
    transientErrors: [ORDER_ERRORS.stepUnavailable],
    completed: { contract: OrderCompleted, detail: { orderId: 'x' } },
    failed: { contract: OrderFailed, detail: { orderId: 'x' } },
    idempotencyStore: new IdempotencyStore(stack, 'Store'),
    trigger: { description: 'test', eventPattern: { detailType: ['OrderPlaced'] } },
    ...override(steps),
  });
  const template = Template.fromStack(stack);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  return (definitionOf(machine ?? {}) as { States: Record<string, State> }).States;
}

/** The states visited from `start` by following Next to the end. */
function path_(states: Record<string, State>, start: string): string[] {
  const visited: string[] = [];
  for (let name: string | undefined = start; name; name = states[name]?.Next) visited.push(name);
  return visited;
}

describe('Saga', () => {
  const states = saga();

  it('retries each step on its transient errors with backoff and full jitter', () => {
    for (const step of ['Reserve', 'Charge', 'Ship']) {
      expect(states[step]?.Retry).toEqual([
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining([ORDER_ERRORS.stepUnavailable, 'Lambda.TooManyRequestsException']),
          JitterStrategy: 'FULL',
          BackoffRate: 2,
          MaxAttempts: 3,
          IntervalSeconds: 1,
          MaxDelaySeconds: 30,
        }),
      ]);
    }
  });

  it('catches only the step’s business errors, never States.ALL', () => {
    expect(states.Reserve?.Catch?.map((c: State) => c.ErrorEquals)).toEqual([['OutOfStock']]);
    expect(states.Charge?.Catch?.map((c: State) => c.ErrorEquals)).toEqual([['PaymentDeclined']]);
    expect(states.Ship?.Catch?.map((c: State) => c.ErrorEquals)).toEqual([['ShipmentRejected']]);
  });

  it('runs the steps in order, then publishes completion', () => {
    expect(path_(states, 'Reserve')).toEqual(['Reserve', 'Charge', 'Ship', 'PublishCompleted', 'SagaSucceeded']);
  });

  it('undoes only the completed steps, in reverse, then publishes the failure and fails', () => {
    const compensationsAfter = (step: string) => path_(states, states[step]?.Catch?.[0]?.Next);
    expect(compensationsAfter('Ship')).toEqual(['UndoCharge', 'UndoReserve', 'PublishFailed', 'SagaFailed']);
    expect(compensationsAfter('Charge')).toEqual(['UndoReserve', 'PublishFailed', 'SagaFailed']);
    expect(compensationsAfter('Reserve')).toEqual(['PublishFailed', 'SagaFailed']);
    expect(states.SagaFailed).toMatchObject({ Type: 'Fail', Error: '{% $failure.error %}', Cause: '{% $failure.cause %}' });
  });

  it('retries compensations on any error with jitter, and ends CompensationFailed when they give up', () => {
    expect(states.UndoCharge?.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL', MaxAttempts: 5 }),
    ]);
    expect(states.UndoCharge?.Catch?.[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'CompensationFailed' });
    expect(states.CompensationFailed).toMatchObject({ Type: 'Fail', Error: 'CompensationFailed' });
  });

  it('fails if there are no steps', () => {
    expect(() => saga(() => ({ steps: [] }))).toThrow('Test/Saga: steps must name at least one step (got none)');
  });

  it('fails if two steps share a name', () => {
    expect(() => saga((steps) => ({ steps: [...steps, steps[0] as SagaStep] }))).toThrow('step names must be unique (got Reserve twice)');
  });

  it('fails if a step catches States.ALL as a business error', () => {
    expect(() => saga((steps) => ({ steps: [{ ...(steps[0] as SagaStep), businessErrors: ['States.ALL'] }] }))).toThrow(
      "step Reserve: business errors must be the step's own error names, not States.ALL",
    );
  });

  it('fails if a step names no business errors', () => {
    expect(() => saga((steps) => ({ steps: [{ ...(steps[0] as SagaStep), businessErrors: [] }] }))).toThrow(
      'step Reserve must name the business errors that fail it (got none)',
    );
  });

  it('fails if an error is both business and transient', () => {
    expect(() => saga(() => ({ transientErrors: ['OutOfStock'] }))).toThrow(
      'step Reserve: OutOfStock cannot be both a business and a transient error',
    );
  });

  it('fails if retry attempts are out of range', () => {
    expect(() => saga(() => ({ retry: { maxAttempts: 11 } }))).toThrow('retry.maxAttempts must be from 0 to 10 (got 11)');
  });
});
