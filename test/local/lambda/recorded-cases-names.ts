import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import { type Answer, ECHO, type Replay, type ReplayContext, recordedTests } from './recorded-replay.js';

/**
 * test_lambda_api.py's `test_function_name_and_qualifier_validation`: each name and qualifier
 * given to GetFunction, DeleteFunction, Invoke and CreateFunction (which takes the qualifier
 * as the name's suffix); the error as the test reduces it (`_extract_from_error_message`: the
 * code with each `Value ... failed to satisfy constraint: ...` sorted and counted, or the code
 * and message).
 */
const a = (count: number) => 'a'.repeat(count);

/** Each case's input, by its id; `{region}` and `{account}` as the test formats them. */
const INPUTS: Readonly<Record<string, { readonly FunctionName: string; readonly Qualifier?: string }>> = {
  invalid_characters_in_function_name: { FunctionName: 'my-function!' },
  function_name_is_single_invalid: { FunctionName: '*' },
  invalid_characters_in_qualifier: { FunctionName: 'my-function', Qualifier: 'invalid!' },
  qualifier_too_long: { FunctionName: 'my-function', Qualifier: a(129) },
  invalid_account_id_in_partial_arn: { FunctionName: 'invalid-account:function:my-function' },
  invalid_region_in_arn: { FunctionName: 'arn:aws:lambda:invalid-region:{account}:function:my-function' },
  non_lambda_arn: { FunctionName: 'arn:aws:ec2:{region}:{account}:instance:i-1234567890abcdef0' },
  function_name_too_long: { FunctionName: a(65) },
  function_name_too_long_and_invalid_region: { FunctionName: `arn:aws:lambda:invalid-region:{account}:function:my-function${a(170)}` },
  full_arn_and_qualifier_too_long_and_invalid_region: {
    FunctionName: `arn:aws:lambda:invalid-region:{account}:function:my-function-${a(170)}`,
    Qualifier: a(129),
  },
  full_arn_with_multiple_qualifiers: { FunctionName: 'arn:aws:lambda:{region}:{account}:function:my-function:1:2' },
  incomplete_arn: { FunctionName: 'arn:aws:lambda:{region}:{account}:function' },
  partial_arn_with_extra_qualifier: { FunctionName: 'function:my-function:$LATEST:extra' },
  latest_version_with_additional_qualifier: {
    FunctionName: 'arn:aws:lambda:{region}:{account}:function:my-function:$LATEST',
    Qualifier: '1',
  },
  lowercase_latest_qualifier: { FunctionName: 'arn:aws:lambda:{region}:{account}:function:my-function', Qualifier: '$latest' },
  missing_region_in_arn: { FunctionName: 'arn:aws:lambda::{account}:function:my-function' },
  missing_account_id_in_arn: { FunctionName: 'arn:aws:lambda:{region}::function:my-function' },
  misspelled_latest_in_arn: { FunctionName: 'arn:aws:lambda:{region}:{account}:function:my-function:$LATES' },
  // The recording keeps three ids of an earlier parametrization, which the test no longer has; their inputs are what their answers show.
  qualifier_too_long0: { FunctionName: 'my-function', Qualifier: a(129) },
  qualifier_too_long1: { FunctionName: 'my-function', Qualifier: a(65) },
  function_name_and_qualifier_too_long: { FunctionName: 'my-function', Qualifier: a(65) },
};

const CLIENT_FUNCTIONS = ['get_function', 'delete_function', 'invoke', 'create_function'] as const;

const CONSTRAINT = /(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$))/g;

/** The test's `_extract_from_error_message`. */
function extracted(answer: Answer): Answer {
  const error = answer.Error as { Code: string; Message: string } | undefined;
  if (error === undefined) return { succeeded: answer };
  const found = error.Message.match(CONSTRAINT);
  return found ? { Code: error.Code, Errors: [...found].sort(), Count: found.length } : { Code: error.Code, Message: error.Message };
}

function command(c: ReplayContext, clientfn: (typeof CLIENT_FUNCTIONS)[number], FunctionName: string, Qualifier?: string): object {
  if (clientfn === 'get_function') return new GetFunctionCommand({ FunctionName, Qualifier });
  if (clientfn === 'delete_function') return new DeleteFunctionCommand({ FunctionName, Qualifier });
  if (clientfn === 'invoke') return new InvokeCommand({ FunctionName, Qualifier });
  return new CreateFunctionCommand({
    FunctionName: Qualifier ? `${FunctionName}:${Qualifier}` : FunctionName,
    Handler: 'index.handler',
    Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
    PackageType: 'Zip',
    Role: c.role,
    Runtime: 'python3.12',
  });
}

const validation =
  (id: string, clientfn: (typeof CLIENT_FUNCTIONS)[number]): Replay =>
  async (c) => {
    const input = INPUTS[id];
    if (!input) throw new Error(`no input for ${id}`);
    const name = input.FunctionName.replace('{region}', region).replace('{account}', c.accountId);
    return { [`${clientfn}_exception`]: extracted(await c.call(command(c, clientfn, name, input.Qualifier))) };
  };

/** The validated cases the recording holds (not every id with every operation), by snapshot key. */
export const NAME_CASES: Record<string, Replay> = Object.fromEntries(
  Object.keys(INPUTS).flatMap((id) =>
    CLIENT_FUNCTIONS.flatMap((clientfn) => {
      const key = `TestLambdaFunction::test_function_name_and_qualifier_validation[${id}-${clientfn}]`;
      return recordedTests().includes(key) ? [[key, validation(id, clientfn)]] : [];
    }),
  ),
);
