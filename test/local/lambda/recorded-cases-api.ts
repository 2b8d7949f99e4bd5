import { InvokeCommand } from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import type { Replay } from './recorded-replay.js';

/** More of test_lambda_api.py's tests of the functions' API (their settings, tags, URLs, concurrency), by snapshot key. */
export const API_CASES: Record<string, Replay> = {
  'TestLambdaFunction::test_invalid_invoke': async (c) => ({
    invoke_function_name_pattern_exc: await c.call(
      new InvokeCommand({ FunctionName: `arn:aws:lambda:${region}:123400000000@function:myfn`, Payload: '{}' }),
    ),
  }),
};
