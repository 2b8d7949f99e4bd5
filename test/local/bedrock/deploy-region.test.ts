import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { startBedrockRuntime } from './bedrock-runtime.js';

const PROFILE = 'eu.amazon.nova-lite-v1:0';
const converse = { modelId: PROFILE, messages: [{ role: 'user' as const, content: [{ text: 'Hello' }] }] };
const REGION_VARIABLES = ['CDK_DEFAULT_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** Starts the runtime with the shell's Region variables as given, and puts them back once it has started (the module reads them then). */
async function startWith(variables: Partial<Record<(typeof REGION_VARIABLES)[number], string>>) {
  const before = Object.fromEntries(REGION_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of REGION_VARIABLES) delete process.env[name];
  Object.assign(process.env, variables);
  try {
    return await startBedrockRuntime('');
  } finally {
    for (const name of REGION_VARIABLES) {
      if (before[name] === undefined) delete process.env[name];
      else process.env[name] = before[name];
    }
  }
}

describe('the local Bedrock and the Region an app deploys to', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it("answers a geographic profile of the Region dev's shell deploys unpinned stacks to (AWS_REGION), though the runtime runs in us-east-1", async () => {
    const local = await startWith({ AWS_REGION: 'eu-west-1' });
    stops.push(() => local.stop());
    const answer = await local.client.send(new ConverseCommand(converse));
    expect(answer.output?.message?.role).toBe('assistant');
  });

  it('fails if no Region says the app deploys where the profile is offered: ValidationException, as Bedrock in us-east-1 answers', async () => {
    const local = await startWith({});
    stops.push(() => local.stop());
    await expect(local.client.send(new ConverseCommand(converse))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
  });
});
