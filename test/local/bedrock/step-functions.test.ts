import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { executionEnded, region } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import { stateMachine } from '../template-resources.js';

const HAIKU = 'anthropic.claude-sonnet-4-6';
const ROLE = 'arn:aws:iam::000000000000:role/machine';
const prompt = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Label this invoice' }] };

const machine = (name: string, definition: object) => stateMachine(definition, { StateMachineName: name, RoleArn: ROLE });
const task = (Resource: string, Parameters: object) => ({
  StartAt: 'Call',
  States: { Call: { Type: 'Task', Resource, Parameters, End: true } },
});

describe('Step Functions tasks against the local Bedrock', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf(
        {
          Prompts: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'prompts' } },
          Inline: machine('inline', task('arn:aws:states:::bedrock:invokeModel', { ModelId: HAIKU, Body: prompt })),
          FromS3: machine(
            'from-s3',
            task('arn:aws:states:::bedrock:invokeModel', {
              ModelId: `arn:aws:bedrock:${region}::foundation-model/${HAIKU}`,
              Input: { S3Uri: 's3://prompts/in.json' },
              Output: { S3Uri: 's3://prompts/out.json' },
            }),
          ),
          Unknown: machine('unknown', task('arn:aws:states:::bedrock:invokeModel', { ModelId: 'nope', Body: prompt })),
          Sdk: machine(
            'sdk',
            task('arn:aws:states:::aws-sdk:bedrockruntime:converse', {
              ModelId: HAIKU,
              Messages: [{ Role: 'user', Content: [{ Text: 'Hello from a state machine' }] }],
            }),
          ),
        },
        'Flows',
      ),
    ownsAssembly: true,
    options: { models: 'simulated' },
    clients: ({ url }) => ({ sfn: new SFNClient(sdkConfig(url)), s3: s3Client(url) }),
  });

  const run = async (name: string, input: object = {}) => {
    const { executionArn } = await app.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:${name}`,
        input: JSON.stringify(input),
      }),
    );
    return executionEnded(app.sfn, executionArn ?? '');
  };

  it('no longer names bedrock:invokeModel or aws-sdk:bedrockruntime tasks at start-up', () => {
    expect(app.runtime.warnings.filter((line) => line.includes('bedrock'))).toEqual([]);
  });

  it('runs bedrock:invokeModel with a Body, answering the parsed Body and its ContentType', async () => {
    const ended = await run('inline');
    expect(ended.status).toBe('SUCCEEDED');
    const output = JSON.parse(ended.output ?? '{}');
    expect(output.ContentType).toBe('application/json');
    expect(output.Body).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text' }] });
  });

  it('reads the body from Input.S3Uri and writes the answer to Output.S3Uri', async () => {
    await app.s3.send(
      new PutObjectCommand({ Bucket: 'prompts', Key: 'in.json', Body: JSON.stringify(prompt), ContentType: 'application/json' }),
    );
    const ended = await run('from-s3');
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output ?? '{}').Body).toEqual({ Output: { S3Uri: 's3://prompts/out.json' } });
    const written = await app.s3.send(new GetObjectCommand({ Bucket: 'prompts', Key: 'out.json' }));
    expect(JSON.parse((await written.Body?.transformToString()) ?? '{}').type).toBe('message');
  });

  it('fails if the model id is invalid, with Bedrock.ValidationException', async () => {
    const ended = await run('unknown');
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('Bedrock.ValidationException');
    expect(ended.cause).toContain('The provided model identifier is invalid.');
  });

  it("hangs a bedrock:invokeModel task's model call under its execution in the lineage, there still after a restart", async () => {
    const { executionArn } = await app.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:inline`, input: '{}' }),
    );
    expect((await executionEnded(app.sfn, executionArn ?? '')).status).toBe('SUCCEEDED');
    const modelCalls = async () => {
      const [execution] = (await app.runtime.readApi.lineage(executionArn ?? '')).roots;
      return execution?.children.filter((node) => node.kind === 'model-call').map((node) => node.attributes?.model);
    };
    expect(await modelCalls()).toEqual([HAIKU]);
    await app.restart();
    expect(await modelCalls()).toEqual([HAIKU]);
  });

  it('runs aws-sdk:bedrockruntime:converse with PascalCase members', async () => {
    const ended = await run('sdk');
    expect(ended.status).toBe('SUCCEEDED');
    const output = JSON.parse(ended.output ?? '{}');
    expect(output.StopReason).toBe('end_turn');
    expect(output.Output.Message.Content[0].Text).toContain('Hello from a state machine');
    expect(output.Usage.InputTokens).toBeGreaterThan(0);
  });
});
