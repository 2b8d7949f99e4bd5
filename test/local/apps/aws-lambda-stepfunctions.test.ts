import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { decodePayload, expectLambdaTaskAnswered, only, onlyStateMachineArn, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-lambda-stepfunctions, integ.lamstp-deploy-lambda: a function
// given a state machine's ARN in STATE_MACHINE_ARN, and the state machine, whose one state
// invokes a second function (test/lambda-task). Both handlers are the package's CommonJS
// index.js on nodejs20.x; the first one require()s the AWS SDK for JavaScript v2 ('aws-sdk'),
// which the Node.js 18 and later managed runtimes no longer include.
let lambda: LambdaClient;
let sfn: SFNClient;

runApp('aws-lambda-stepfunctions', async (running) => {
  lambda = new LambdaClient(running.config);
  sfn = new SFNClient(running.config);
});

/** The construct's function: the one told the state machine's ARN (the other is the task). */
async function starterFunction(): Promise<string> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  return only(Functions.filter((f) => f.Environment?.Variables?.STATE_MACHINE_ARN !== undefined).map((f) => f.FunctionName ?? ''));
}

describe('aws-lambda-stepfunctions (integ.lamstp-deploy-lambda)', () => {
  it("tells the function the state machine's ARN in STATE_MACHINE_ARN", async () => {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: await starterFunction() }));
    expect(Configuration?.Environment?.Variables?.STATE_MACHINE_ARN).toBe(await onlyStateMachineArn(sfn));
  });

  it('runs the state machine, whose Lambda task answers OK', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: await onlyStateMachineArn(sfn), input: '{"order":1}' }),
    );
    await expectLambdaTaskAnswered(sfn, String(executionArn), JSON.stringify({ status: 'OK', message: 'SUCCESS' }));
  });

  it("fails the starter function as Lambda does, since nodejs20.x has no 'aws-sdk' v2, and starts no execution", async () => {
    const arn = await onlyStateMachineArn(sfn);
    const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions?.length ?? 0;
    const result = await lambda.send(new InvokeCommand({ FunctionName: await starterFunction(), Payload: '{}' }));
    expect(result.FunctionError).toBe('Unhandled');
    const error = decodePayload(result.Payload) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('Runtime.ImportModuleError');
    expect(error.errorMessage).toContain("Error: Cannot find module 'aws-sdk'");
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions ?? []).toHaveLength(before);
  });
});
