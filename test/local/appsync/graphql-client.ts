import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LocalRuntime } from '../../../local/runtime.js';

/** A stack's outputs as `aws cloudformation describe-stacks` gives them on the runtime: what an app's README reads its URL and key from. */
export async function stackOutputs(runtime: LocalRuntime, stackName: string): Promise<Record<string, string>> {
  const cloudformation = new CloudFormationClient({
    endpoint: runtime.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue ?? '']));
}

/** POSTs `query` to the runtime's first GraphQL API with its first API key (and `headers`), and answers the JSON it got. */
export async function graphqlWithKey(
  runtime: LocalRuntime,
  query: string,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const [definition] = runtime.appsync.apis;
  const response = await fetch(definition?.url ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': definition?.apiKeys[0]?.id ?? '', ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Record<string, unknown>;
}
