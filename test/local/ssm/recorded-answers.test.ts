import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe } from 'vitest';
import { botoShape, itAnswersAsSnapshot } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/**
 * The local SSM Parameter Store API against answers recorded on real AWS (LocalStack's
 * AWS-validated tests/aws/services/ssm/test_ssm.py; see test/conformance/aws-recorded/ssm/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 SSM client and every answer
 * compared with AWS's, modulo the recording's placeholders (the parameter's name, its date).
 */
type Answer = Record<string, unknown>;

const local = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  clients: (runtime) => ({ ssm: new SSMClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

/** LocalStack's short_uid: eight hex digits. */
const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
async function call(command: object): Promise<Answer> {
  const output = (await local.ssm.send(command as never)) as Answer & { $metadata: { httpStatusCode?: number } };
  const { $metadata, ...rest } = output;
  return { ...(botoShape(rest) as Answer), ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

const CASES: Readonly<Record<string, () => Promise<Answer>>> = {
  test_get_parameter_by_arn: async () => {
    const Name = `param-${shortUid()}`;
    await local.ssm.send(new PutParameterCommand({ Name, Value: 'test', Type: 'String' }));
    const { Parameter } = await local.ssm.send(new GetParameterCommand({ Name }));
    const byArn = await local.ssm.send(new GetParameterCommand({ Name: Parameter?.ARN }));
    return { Parameter: botoShape(byArn.Parameter) };
  },
  test_parameters_with_path: async () => {
    const Name = `/test/param-${shortUid()}`;
    const put = await call(new PutParameterCommand({ Name, Description: 'test', Value: '123', Type: 'String' }));
    const byName = await call(new GetParameterCommand({ Name }));
    const arn = (byName.Parameter as { ARN: string }).ARN;
    return {
      'put-parameter-response': put,
      'get-parameter-response': byName,
      'get-parameter-by-arn-response': await call(new GetParameterCommand({ Name: arn })),
      'get-parameters-response': await call(new GetParametersCommand({ Names: [Name] })),
      'get-parameters-by-arn-response': await call(new GetParametersCommand({ Names: [arn] })),
    };
  },
};

describe('SSM Parameter Store answers recorded on AWS', () => {
  itAnswersAsSnapshot(CASES, [new URL('../../conformance/aws-recorded/ssm/test_ssm.snapshot.json', import.meta.url)]);
});
