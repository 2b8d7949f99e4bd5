import { TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * AWS's worked example of the enhanced TestState: the order-processing workflow of
 * aws-samples/sample-stepfunctions-testing-with-testStateAPI (statemachine/order_processing.asl.json,
 * tests/unit_test.py), described in "Testing Step Functions workflows: a guide to the enhanced
 * TestState API" (https://aws.amazon.com/blogs/compute/testing-step-functions-workflows-a-guide-to-the-enhanced-teststate-api/).
 * The definition here keeps the states its tests exercise, with their Retry, Catch and Output as
 * written there; each test sends what the sample's test sends (DEBUG, stateName) and asserts what it asserts.
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const merge = (key: string, value: string) => `{% $merge([$states.input, {'${key}': ${value}}]) %}`;
const lambdaRetry = [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }];
const catchAll = (next: string) => [{ ErrorEquals: ['States.ALL'], Next: next, Output: merge('error', '$states.errorOutput') }];
const invoke = (functionName: string, payload: unknown = '{% $states.input %}') => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Arguments: { FunctionName: functionName, Payload: payload },
});

const WORKFLOW = JSON.stringify({
  QueryLanguage: 'JSONata',
  StartAt: 'ValidateOrder',
  States: {
    ValidateOrder: {
      ...invoke('ValidateOrderFunction'),
      Output: merge('validationResult', '$states.result'),
      Retry: lambdaRetry,
      Catch: catchAll('ValidationFailed'),
      Next: 'CheckValidation',
    },
    CheckValidation: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.validationResult.isValid = true %}', Next: 'ProcessOrderItems' }],
      Default: 'ValidationFailed',
    },
    ProcessOrderItems: {
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'ProcessItem',
        States: {
          ProcessItem: { ...invoke('ProcessItemFunction'), Retry: lambdaRetry, Catch: catchAll('ItemProcessingFailed'), End: true },
          ItemProcessingFailed: { Type: 'Fail', Error: 'ItemProcessingError', Cause: 'Failed to process individual item' },
        },
      },
      Items: '{% $states.input.orderItems %}',
      MaxConcurrency: 10,
      ToleratedFailureCount: 2,
      Output: merge('processedItems', '$states.result'),
      Retry: [
        { ErrorEquals: ['States.ItemReaderFailed', 'States.ResultWriterFailed'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 },
      ],
      Catch: catchAll('ValidationFailed'),
      Next: 'ParallelProcessing',
    },
    ParallelProcessing: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'ProcessPayment', States: { ProcessPayment: { ...invoke('ProcessPaymentFunction'), End: true } } },
        { StartAt: 'UpdateInventory', States: { UpdateInventory: { ...invoke('UpdateInventoryFunction'), End: true } } },
      ],
      Output: merge('parallelResults', '$states.result'),
      Retry: [{ ErrorEquals: ['States.BranchFailed'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: catchAll('OrderRejected'),
      Next: 'WaitForApproval',
    },
    WaitForApproval: {
      ...invoke('RequestApprovalFunction', {
        orderId: '{% $states.input.orderId %}',
        amount: '{% $states.input.amount %}',
        taskToken: '{% $states.context.Task.Token %}',
      }),
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Output: merge('approvalResult', '$states.result'),
      Retry: lambdaRetry,
      Catch: catchAll('OrderRejected'),
      Next: 'CheckApproval',
    },
    CheckApproval: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.approvalResult.approved = true %}', Next: 'SaveOrderDetails' }],
      Default: 'OrderRejected',
    },
    SaveOrderDetails: { Type: 'Pass', End: true },
    ValidationFailed: { Type: 'Fail', Error: 'ValidationError', Cause: 'Order validation failed' },
    OrderRejected: { Type: 'Fail', Error: 'ApprovalError', Cause: 'Order was rejected during approval process' },
  },
});

/** The sample's runner: the whole workflow, one state by name, DEBUG, the input as JSON. */
function run(stateName: string, input: unknown, more: Omit<TestStateCommandInput, 'definition'> = {}) {
  return env.sfn.send(
    new TestStateCommand({ definition: WORKFLOW, stateName, input: JSON.stringify(input), inspectionLevel: 'DEBUG', ...more }),
  );
}
const mockError = (error: string, cause: string) => ({ errorOutput: { error, cause } });

describe('TestState on AWS s sample order workflow (aws-samples, tests/unit_test.py)', () => {
  it('walks the happy path state by state, each output the next input (test_complete_order_processing_workflow)', async () => {
    const order = { orderId: 'order-12345', amount: 150.75, orderItems: [{ itemId: 'item-1' }, { itemId: 'item-2' }] };
    const validated = await run('ValidateOrder', order, { mock: { result: JSON.stringify({ statusCode: 200, isValid: true }) } });
    expect(validated).toMatchObject({ status: 'SUCCEEDED', nextState: 'CheckValidation' });
    const afterValidation = JSON.parse(String(validated.output));
    expect(afterValidation).toEqual({ ...order, validationResult: { statusCode: 200, isValid: true } });
    expect(await run('CheckValidation', afterValidation)).toMatchObject({ status: 'SUCCEEDED', nextState: 'ProcessOrderItems' });
    const items = await run('ProcessOrderItems', afterValidation, { mock: { result: '[{"itemId":"item-1","processed":true}]' } });
    expect(items).toMatchObject({ status: 'SUCCEEDED', nextState: 'ParallelProcessing' });
    const parallel = await run('ParallelProcessing', JSON.parse(String(items.output)), {
      mock: { result: '[{"paid":true},{"reserved":2}]' },
    });
    expect(parallel).toMatchObject({ status: 'SUCCEEDED', nextState: 'WaitForApproval' });
    const approval = await run('WaitForApproval', JSON.parse(String(parallel.output)), {
      context: JSON.stringify({ Task: { Token: 'test-task-token-12345' }, Execution: { Id: 'exec-12345' } }),
      mock: { result: '{"approved":true}' },
    });
    expect(approval).toMatchObject({ status: 'SUCCEEDED', nextState: 'CheckApproval' });
    expect(await run('CheckApproval', JSON.parse(String(approval.output)))).toMatchObject({
      status: 'SUCCEEDED',
      nextState: 'SaveOrderDetails',
    });
  });

  it('reports the retries of a throttled Lambda call, then its catch (test_lambda_throttling_retry_mechanism)', async () => {
    const mock = mockError('Lambda.TooManyRequestsException', 'Request rate exceeded');
    const first = await run('ValidateOrder', { orderId: 'order-retry-test' }, { mock, stateConfiguration: { retrierRetryCount: 0 } });
    expect(first).toMatchObject({ status: 'RETRIABLE', error: 'Lambda.TooManyRequestsException', cause: 'Request rate exceeded' });
    expect(first.inspectionData?.errorDetails).toMatchObject({ retryBackoffIntervalSeconds: 2, retryIndex: 0 });
    const second = await run('ValidateOrder', { orderId: 'order-retry-test' }, { mock, stateConfiguration: { retrierRetryCount: 1 } });
    expect(second).toMatchObject({ status: 'RETRIABLE', inspectionData: { errorDetails: { retryBackoffIntervalSeconds: 4 } } });
    const spent = await run('ValidateOrder', { orderId: 'order-retry-test' }, { mock, stateConfiguration: { retrierRetryCount: 3 } });
    expect(spent).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'ValidationFailed' });
  });

  it('tests the Map state with its tolerated failures (test_map_state_tolerated_failure_threshold)', async () => {
    const input = { orderId: 'order-map-test', orderItems: [{ itemId: 'item-1' }, { itemId: 'item-2' }] };
    const ok = await run('ProcessOrderItems', input, { mock: { result: '[{"itemId":"item-1","processed":true}]' } });
    expect(ok).toMatchObject({ status: 'SUCCEEDED', nextState: 'ParallelProcessing' });
    expect(ok.inspectionData).toHaveProperty('toleratedFailureCount');
    const mock = mockError('States.ExceedToleratedFailureThreshold', 'Map state exceeded tolerated failure threshold');
    expect(await run('ProcessOrderItems', input, { mock })).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'ValidationFailed' });
  });

  it('retries and catches a Parallel state s branch failure (test_parallel_state_branch_failure_handling)', async () => {
    const input = { orderId: 'order-parallel-test', amount: 200 };
    const branch = mockError('States.BranchFailed', 'One or more parallel branches failed');
    const retried = await run('ParallelProcessing', input, { mock: branch, stateConfiguration: { retrierRetryCount: 0 } });
    expect(retried).toMatchObject({ status: 'RETRIABLE' });
    const spent = await run('ParallelProcessing', input, { mock: branch, stateConfiguration: { retrierRetryCount: 2 } });
    expect(spent).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'OrderRejected' });
    const task = mockError('States.TaskFailed', 'Generic task failure in parallel branch');
    expect(await run('ParallelProcessing', input, { mock: task })).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'OrderRejected' });
  });

  it('puts the given context s task token into the callback s arguments (test_context_object_usage_in_jsonata_expressions)', async () => {
    const token = 'ahbdgftgehbdcndsjnwjkhas327yr4hendc73yehdb723y';
    const response = await run(
      'WaitForApproval',
      { orderId: 'order-context-test', amount: 125 },
      {
        context: JSON.stringify({
          Task: { Token: token },
          Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:test:exec-123' },
        }),
        mock: { result: JSON.stringify({ approved: true, taskToken: token }) },
      },
    );
    expect(response).toMatchObject({ status: 'SUCCEEDED', nextState: 'CheckApproval' });
    const args = JSON.parse(String(response.inspectionData?.afterArguments));
    expect(args.Payload).toEqual({ orderId: 'order-context-test', amount: 125, taskToken: token });
    expect(JSON.parse(String(response.output)).approvalResult).toEqual({ approved: true, taskToken: token });
  });

  it('tests a state inside the Map s item processor by its name (test_map_state_internal_processing_with_error_caused_by_state)', async () => {
    const item = { itemId: 'item-001', quantity: 2 };
    const ok = await run('ProcessItem', item, { mock: { result: '{"itemId":"item-001","processed":true}' } });
    expect(ok).toMatchObject({ status: 'SUCCEEDED', output: '{"itemId":"item-001","processed":true}' });
    expect(ok.nextState).toBeUndefined();
    const failed = await run('ProcessItem', item, { mock: mockError('ItemValidationException', 'Invalid item data') });
    expect(failed).toMatchObject({ status: 'CAUGHT_ERROR', error: 'ItemValidationException', nextState: 'ItemProcessingFailed' });
  });

  it('ends at a Fail state with its error and no next state (test_order_validation_failure_path)', async () => {
    const response = await run('ValidationFailed', {});
    expect(response).toMatchObject({ status: 'FAILED', error: 'ValidationError', cause: 'Order validation failed' });
    expect(response.nextState).toBeUndefined();
  });
});
