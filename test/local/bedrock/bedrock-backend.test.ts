import { rmSync } from 'node:fs';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

/**
 * The `bedrock` backend, with a second local runtime standing in for AWS (`endpoint`): what
 * it sends is Converse as the SDK sends it, to the id the caller asked for, with the SDK's
 * credential chain (here the environment's keys).
 */
describe('the bedrock model backend', () => {
  const dirs = [tempDataDir(), tempDataDir(), tempAssemblyDir()] as const;
  const lines: string[] = [];
  let upstream: LocalRuntime;
  let runtime: LocalRuntime;
  let client: BedrockRuntimeClient;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    writeAssembly(dirs[2], {});
    upstream = await LocalRuntime.start({
      cdkOut: dirs[2],
      dataDir: dirs[0],
      port: 0,
      log: () => {},
      models: 'amazon.nova-micro-*=simulated?throttle=1,simulated',
    });
    const models = `bedrock:${region}?endpoint=${upstream.url}`;
    runtime = await LocalRuntime.start({ cdkOut: dirs[2], dataDir: dirs[1], port: 0, log: (line) => lines.push(line), models });
    client = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await runtime?.stop();
    await upstream?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it('answers with what Bedrock answers, through the profile id asked for', async () => {
    const input = {
      modelId: `us.${SONNET}`,
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user' as const, content: [{ text: 'Relay me' }] }],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'label',
              inputSchema: { json: { type: 'object', properties: { risk: { type: 'string', enum: ['low'] } }, required: ['risk'] } },
            },
          },
        ],
        toolChoice: { tool: { name: 'label' } },
      },
    };
    const answer = await client.send(new ConverseCommand(input));
    expect(answer.output?.message?.content?.[0]?.toolUse).toMatchObject({ name: 'label', input: { risk: 'low' } });
    expect(answer.stopReason).toBe('tool_use');
    expect(runtime.bedrock.describe()).toContain(`come from (SWITCHYARD_MODELS=bedrock:${region}?endpoint=`);
  });

  it('fails if Bedrock refuses, with its own error', async () => {
    await expect(
      client.send(new ConverseCommand({ modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] })),
    ).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  });

  it('fails if Bedrock cannot be reached, with ServiceUnavailableException and the reason in the log', async () => {
    await upstream.stop();
    await expect(
      client.send(new ConverseCommand({ modelId: `us.${SONNET}`, messages: [{ role: 'user', content: [{ text: 'anyone?' }] }] })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
    expect(lines.some((line) => line.startsWith(`[bedrock] bedrock:${region} failed for ${SONNET}`))).toBe(true);
  });
});
