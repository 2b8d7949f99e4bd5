import { rmSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, executionEnded, region, tempDataDir } from '../helpers.js';
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
  const dataDir = tempDataDir();
  const assembly = tempAssemblyDir();
  const lines: string[] = [];
  let runtime: LocalRuntime;
  let sfn: SFNClient;
  let s3: S3Client;

  const run = async (name: string, input: object = {}) => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:${name}`,
        input: JSON.stringify(input),
      }),
    );
    return executionEnded(sfn, executionArn ?? '');
  };

  beforeAll(async () => {
    writeAssembly(assembly, {
      Flows: {
        template: {
          Resources: {
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
        },
      },
    });
    runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: (line) => lines.push(line), models: 'simulated' });
    sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true });
  });

  afterAll(async () => {
    sfn?.destroy();
    s3?.destroy();
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(assembly, { recursive: true, force: true });
  });

  it('no longer names bedrock:invokeModel or aws-sdk:bedrockruntime tasks at start-up', () => {
    expect(runtime.warnings.filter((line) => line.includes('bedrock'))).toEqual([]);
  });

  it('runs bedrock:invokeModel with a Body, answering the parsed Body and its ContentType', async () => {
    const ended = await run('inline');
    expect(ended.status).toBe('SUCCEEDED');
    const output = JSON.parse(ended.output ?? '{}');
    expect(output.ContentType).toBe('application/json');
    expect(output.Body).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text' }] });
  });

  it('reads the body from Input.S3Uri and writes the answer to Output.S3Uri', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'prompts', Key: 'in.json', Body: JSON.stringify(prompt), ContentType: 'application/json' }),
    );
    const ended = await run('from-s3');
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output ?? '{}').Body).toEqual({ Output: { S3Uri: 's3://prompts/out.json' } });
    const written = await s3.send(new GetObjectCommand({ Bucket: 'prompts', Key: 'out.json' }));
    expect(JSON.parse((await written.Body?.transformToString()) ?? '{}').type).toBe('message');
  });

  it('fails if the model id is invalid, with Bedrock.ValidationException', async () => {
    const ended = await run('unknown');
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('Bedrock.ValidationException');
    expect(ended.cause).toContain('The provided model identifier is invalid.');
  });

  it("hangs a bedrock:invokeModel task's model call under its execution in the lineage, there still after a restart", async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:inline`, input: '{}' }),
    );
    expect((await executionEnded(sfn, executionArn ?? '')).status).toBe('SUCCEEDED');
    const modelCalls = async () => {
      const [execution] = (await runtime.readApi.lineage(executionArn ?? '')).roots;
      return execution?.children.filter((node) => node.kind === 'model-call').map((node) => node.attributes?.model);
    };
    expect(await modelCalls()).toEqual([HAIKU]);
    await runtime.stop();
    runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: (line) => lines.push(line), models: 'simulated' });
    sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
    s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true });
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
