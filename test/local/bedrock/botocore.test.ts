import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useBedrockRuntime } from './bedrock-runtime.js';

const run = promisify(execFile);

function hasBoto3(): boolean {
  try {
    execFileSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Drives the local Bedrock with botocore's own client (its parsers and event-stream decoder), printing what it got as JSON. */
const SCRIPT = `
import json, os, boto3
from botocore.config import Config
c = boto3.client('bedrock-runtime', endpoint_url=os.environ['ENDPOINT'], region_name='us-east-1',
                 aws_access_key_id='local', aws_secret_access_key='local', config=Config(retries={'max_attempts': 1}))
haiku = 'anthropic.claude-sonnet-4-6'
out = {}
tool = {'toolSpec': {'name': 'record', 'inputSchema': {'json': {'type': 'object', 'properties': {'total': {'type': 'number', 'minimum': 5}}, 'required': ['total']}}}}
r = c.converse(modelId=haiku, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}], toolConfig={'tools': [tool], 'toolChoice': {'any': {}}})
out['converse'] = {'stopReason': r['stopReason'], 'input': r['output']['message']['content'][0]['toolUse']['input'], 'usage': r['usage'], 'latency': r['metrics']['latencyMs']}
s = c.converse_stream(modelId='us.anthropic.claude-sonnet-4-5-20250929-v1:0', messages=[{'role': 'user', 'content': [{'text': 'stream me'}]}])
events = []
text = ''
for e in s['stream']:
    events.append(list(e.keys())[0])
    text += e.get('contentBlockDelta', {}).get('delta', {}).get('text', '')
out['stream'] = {'first': events[0], 'last': events[-1], 'text': text}
body = json.dumps({'anthropic_version': 'bedrock-2023-05-31', 'max_tokens': 50, 'messages': [{'role': 'user', 'content': 'hi'}]})
r = c.invoke_model(modelId=haiku, body=body)
out['invoke'] = {'type': json.loads(r['body'].read())['type'], 'inputTokens': r['ResponseMetadata']['HTTPHeaders'].get('x-amzn-bedrock-input-token-count')}
r = c.invoke_model_with_response_stream(modelId=haiku, body=body)
out['invokeStream'] = [json.loads(e['chunk']['bytes'])['type'] for e in r['body']]
out['count'] = c.count_tokens(modelId=haiku, input={'converse': {'messages': [{'role': 'user', 'content': [{'text': 'count me'}]}]}})['inputTokens']
try:
    c.converse(modelId='nope.model', messages=[{'role': 'user', 'content': [{'text': 'hi'}]}])
except c.exceptions.ValidationException as e:
    out['error'] = {'code': e.response['Error']['Code'], 'message': e.response['Error']['Message']}
print(json.dumps(out))
`;

// Skipped without boto3 on a developer's machine; CI (CI=true) has it with cfn-lint (aws-sam-translator needs it), so there it fails instead.
describe.skipIf(!hasBoto3() && !process.env.CI)('Bedrock Runtime in the local runtime (botocore)', () => {
  const bedrock = useBedrockRuntime('simulated');

  it('answers Converse, ConverseStream, InvokeModel, its stream, CountTokens and errors as botocore parses them', async () => {
    const { stdout } = await run('python3', ['-c', SCRIPT], { env: { ...process.env, ENDPOINT: bedrock.runtime.url }, timeout: 60_000 });
    const out = JSON.parse(stdout);
    expect(out.converse).toMatchObject({ stopReason: 'tool_use', input: { total: 5 } });
    expect(out.converse.usage.totalTokens).toBe(out.converse.usage.inputTokens + out.converse.usage.outputTokens);
    expect(out.converse.latency).toBeGreaterThan(0);
    expect(out.stream).toMatchObject({ first: 'messageStart', last: 'metadata', text: expect.stringContaining('stream me') });
    expect(out.invoke.type).toBe('message');
    expect(Number(out.invoke.inputTokens)).toBeGreaterThan(0);
    expect(out.invokeStream[0]).toBe('message_start');
    expect(out.invokeStream.at(-1)).toBe('message_stop');
    expect(out.count).toBeGreaterThan(0);
    expect(out.error).toEqual({ code: 'ValidationException', message: 'The provided model identifier is invalid.' });
  }, 60_000);
});
