import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { expectTextAnswer, onlyFunctionName, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-lambda-ssmstringparameter, integ.lamssm-deployFunction: a
// function (the package's test/lambda/index.js, CommonJS, nodejs16.x) given the name of a new
// SSM String parameter ("test-string-value") in SSM_STRING_PARAMETER_NAME, with read access.
let ssm: SSMClient;
let lambda: LambdaClient;

runApp('aws-lambda-ssmstringparameter', async (running) => {
  ssm = new SSMClient(running.config);
  lambda = new LambdaClient(running.config);
});

async function parameterName(): Promise<string | undefined> {
  const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: await onlyFunctionName(lambda) }));
  return Configuration?.Environment?.Variables?.SSM_STRING_PARAMETER_NAME;
}

describe('aws-lambda-ssmstringparameter (integ.lamssm-deployFunction)', () => {
  it('tells the function the name of the String parameter, which holds the value of the template', async () => {
    const name = await parameterName();
    expect(name).toBeDefined();
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(Parameter).toMatchObject({ Name: name, Type: 'String', Value: 'test-string-value', Version: 1 });
  });

  it('answers an invocation from the CommonJS handler of its asset', async () => {
    await expectTextAnswer(lambda, '/parameter', "Hello, CDK! You've hit /parameter\n");
  });
});
