import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  type InvokeCommandOutput,
  type LambdaClient,
  UpdateFunctionCodeCommand,
  type UpdateFunctionCodeCommandInput,
  UpdateFunctionConfigurationCommand,
  type UpdateFunctionConfigurationCommandInput,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { LambdaService } from '../../../local/lambda/lambda-service.js';
import { zip } from '../../helpers/zip-archive.js';
import { region } from '../helpers.js';

// What the control plane's tests make functions with: Node.js handlers, and the calls a
// deployment script makes on AWS, each waiting (as the SDK's waiters do) for its change to end.

export const ROLE = 'arn:aws:iam::000000000000:role/fn-role';

/** A template's `AWS::Lambda::Function` named `from-template` (inline code answering "template"), with `properties` over its own. */
export const templateFunction = (properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    FunctionName: 'from-template',
    Runtime: 'nodejs24.x',
    Handler: 'index.handler',
    Role: ROLE,
    Code: { ZipFile: 'exports.handler = async () => "template";' },
    ...properties,
  },
});

/** A Node.js handler answering `answer` and the version that ran it. */
export const handler = (answer: string) =>
  zip([
    {
      path: 'index.js',
      body: `exports.handler = async (event, context) => ({ answer: ${JSON.stringify(answer)}, version: context.functionVersion });`,
    },
  ]);

export const functionInput = (
  FunctionName: string,
  code: Uint8Array,
  extra: Partial<CreateFunctionCommandInput> = {},
): CreateFunctionCommandInput => ({
  FunctionName,
  Runtime: 'nodejs24.x',
  Handler: 'index.handler',
  Role: ROLE,
  Code: { ZipFile: code },
  ...extra,
});

export const payloadOf = (output: InvokeCommandOutput) => JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8'));

/** The SDK waiters' settings for a local runtime: the change ends in milliseconds, so look often. */
const waiting = (client: LambdaClient) => ({ client, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 });

/** CreateFunction, then the SDK's `waitUntilFunctionActiveV2`: the function runs once Active. */
export async function createFunction(client: LambdaClient, input: CreateFunctionCommandInput) {
  const created = await client.send(new CreateFunctionCommand(input));
  await waitUntilFunctionActiveV2(waiting(client), { FunctionName: input.FunctionName });
  return created;
}

/** UpdateFunctionCode, then the SDK's `waitUntilFunctionUpdatedV2`: the new code runs once Successful. */
export async function updateCode(client: LambdaClient, input: UpdateFunctionCodeCommandInput) {
  const updated = await client.send(new UpdateFunctionCodeCommand(input));
  await waitUntilFunctionUpdatedV2(waiting(client), { FunctionName: input.FunctionName });
  return updated;
}

/** UpdateFunctionConfiguration, then the SDK's `waitUntilFunctionUpdatedV2`. */
export async function updateConfiguration(client: LambdaClient, input: UpdateFunctionConfigurationCommandInput) {
  const updated = await client.send(new UpdateFunctionConfigurationCommand(input));
  await waitUntilFunctionUpdatedV2(waiting(client), { FunctionName: input.FunctionName });
  return updated;
}

/** A Lambda service of no functions, served alone (no runtime around it), whose new code is prepared by `prepareCode`. */
export const serviceAlone = (prepareCode: () => Promise<void>) =>
  new LambdaService({ functions: [], sqsMappings: [], sqs: {} as never, baseEnvironment: {}, region, log: () => {}, prepareCode });
