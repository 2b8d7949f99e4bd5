import { TestStateCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * The five worked examples of AWS's announcement of the enhanced TestState (AWS News Blog,
 * 19 Nov 2025), each request sent as written through the SDK and its documented response
 * asserted: https://aws.amazon.com/blogs/aws/accelerate-workflow-development-with-enhanced-local-testing-in-aws-step-functions/
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const lambdaTask = (functionName: string) =>
  JSON.stringify({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: functionName }, End: true });

describe('TestState as AWS documents it (AWS News Blog examples)', () => {
  it('answers a mocked Lambda result with its DEBUG inspection data (scenario 1)', async () => {
    const response = await env.sfn.send(
      new TestStateCommand({
        definition: lambdaTask('process-order'),
        mock: { result: '{"orderId":"12345","status":"processed"}' },
        inspectionLevel: 'DEBUG',
      }),
    );
    const result = '{"orderId":"12345","status":"processed"}';
    expect(response).toMatchObject({
      output: result,
      inspectionData: {
        input: '{}',
        afterInputPath: '{}',
        afterParameters: '{"FunctionName":"process-order"}',
        result,
        afterResultSelector: result,
        afterResultPath: result,
      },
      status: 'SUCCEEDED',
    });
    expect(response.nextState).toBeUndefined();
    expect(env.t.lambda.calls).toEqual([]);
  });

  it('answers a mocked Lambda error as FAILED, with the inspection data up to the call (scenario 2)', async () => {
    const response = await env.sfn.send(
      new TestStateCommand({
        definition: lambdaTask('process-order'),
        mock: { errorOutput: { error: 'Lambda.ServiceException', cause: 'Function failed' } },
        inspectionLevel: 'DEBUG',
      }),
    );
    expect(response).toMatchObject({
      error: 'Lambda.ServiceException',
      cause: 'Function failed',
      inspectionData: { input: '{}', afterInputPath: '{}', afterParameters: '{"FunctionName":"process-order"}' },
      status: 'FAILED',
    });
    expect(response.output).toBeUndefined();
    expect(response.inspectionData?.result).toBeUndefined();
  });

  it('answers a Distributed Map state whose mock is its whole result (scenario 3)', async () => {
    const definition = JSON.stringify({
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'ProcessItem',
        States: {
          ProcessItem: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'process-item' },
            End: true,
          },
        },
      },
      End: true,
    });
    const result = '[{"itemId":1,"status":"processed"},{"itemId":2,"status":"processed"}]';
    const response = await env.sfn.send(
      new TestStateCommand({ definition, input: '[{"itemId":1},{"itemId":2}]', mock: { result }, inspectionLevel: 'DEBUG' }),
    );
    expect(response).toMatchObject({
      output: result,
      inspectionData: {
        input: '[{"itemId":1},{"itemId":2}]',
        afterInputPath: '[{"itemId":1},{"itemId":2}]',
        afterResultSelector: result,
        afterResultPath: result,
      },
      status: 'SUCCEEDED',
    });
    // The blog shows these four fields; whether AWS adds maxConcurrency (0 when unset, as
    // recorded against AWS for a failing Map) to this answer, it does not say.
    expect(response.inspectionData?.afterParameters).toBeUndefined();
    expect(env.t.lambda.calls).toEqual([]);
  });

  it('answers a Parallel state whose mock has one element per branch (scenario 4)', async () => {
    const definition = JSON.stringify({
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Branch1', States: { Branch1: { Type: 'Pass', End: true } } },
        { StartAt: 'Branch2', States: { Branch2: { Type: 'Pass', End: true } } },
      ],
      End: true,
    });
    const result = '[{"branch1":"data1"},{"branch2":"data2"}]';
    const response = await env.sfn.send(new TestStateCommand({ definition, mock: { result }, inspectionLevel: 'DEBUG' }));
    // As documented, and as recorded against AWS (localstack's test_base_parallel_state_mock_success):
    // no afterInputPath, afterParameters or result for a Parallel state.
    expect(response).toEqual({
      output: result,
      inspectionData: { input: '{}', afterResultSelector: result, afterResultPath: result },
      status: 'SUCCEEDED',
      $metadata: expect.anything(),
    });
  });

  it('processes a Task state s input through the mocked call (scenario 5)', async () => {
    const input = '{"orderId":"12345","amount":99.99}';
    const result = '{"orderId":"12345","validated":true}';
    const response = await env.sfn.send(
      new TestStateCommand({ definition: lambdaTask('validate-order'), input, mock: { result }, inspectionLevel: 'DEBUG' }),
    );
    expect(response).toMatchObject({
      output: result,
      inspectionData: {
        input,
        afterInputPath: input,
        afterParameters: '{"FunctionName":"validate-order"}',
        result,
        afterResultSelector: result,
        afterResultPath: result,
      },
      status: 'SUCCEEDED',
    });
  });
});
