import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TemplateResource } from '../../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { assetFunction } from '../../template-resources.js';

/** The models of the writer's three steps: each step's calls are told apart by the model they ask. */
export const WRITER_MODELS = { outline: 'amazon.nova-micro-v1:0', draft: 'amazon.nova-lite-v1:0', polish: 'amazon.nova-pro-v1:0' };

/**
 * A durable function of three model steps (the real SDK, the local Bedrock, which answers
 * quoting the prompt): `polish` reads its prompt from the event, so an edit of the event shows
 * in its answer. `draft` fails for good when the event asks it to (the parent never reaches
 * `polish`); `critique` is a step inside a child context.
 */
export const WRITER = `
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

const bedrock = new BedrockRuntimeClient({});
const ask = async (modelId, text) => {
  const answer = await bedrock.send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text }] }] }));
  return answer.output.message.content[0].text;
};
const models = ${JSON.stringify(WRITER_MODELS)};

export const handler = withDurableExecution(async (event, context) => {
  const outline = await context.step('outline', () => ask(models.outline, 'Outline an essay on ' + event.topic));
  const review = await context.runInChildContext('review', (child) => child.step('critique', async () => 'fine'));
  const draft = await context.step(
    'draft',
    async () => {
      if (event.failDraft) throw new Error('no draft today');
      return ask(models.draft, 'Draft it');
    },
    { retryStrategy: () => ({ shouldRetry: false }) },
  );
  const polished = await context.step('polish', () => ask(models.polish, event.polishPrompt));
  return { outline, review, draft, polished };
});
`;

/** A durable function that waits and asks for a callback between two steps: its fork from `finish` neither waits nor asks. */
const APPROVAL = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) => {
  const asked = await context.step('ask', async () => 'asked ' + event.who);
  await context.wait('cool-off', { seconds: 1 });
  const approval = await context.waitForCallback('approval', async () => {}, { timeout: { minutes: 5 } });
  const finished = await context.step('finish', async () => 'finished for ' + event.who);
  return { asked, approval, finished };
});
`;

/** Writes the app: `writer` (WRITER) and `approval` (APPROVAL), both durable. */
export function forkApp(): string {
  return durableFunctionsApp([
    { name: 'writer', code: WRITER },
    { name: 'approval', code: APPROVAL },
  ]);
}

/** An app of durable functions, each its code (an ES module exporting `handler`) and environment. */
export function durableFunctionsApp(
  functions: readonly { readonly name: string; readonly code: string; readonly environment?: Record<string, string> }[],
): string {
  const cdkOut = tempAssemblyDir();
  const resources: Record<string, TemplateResource> = {};
  for (const { name, code, environment } of functions) {
    const asset = `asset.${name}`;
    mkdirSync(path.join(cdkOut, asset));
    writeFileSync(path.join(cdkOut, asset, 'index.mjs'), code);
    resources[name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())] = assetFunction(name, asset, {
      Timeout: 30,
      DurableConfig: { ExecutionTimeout: 600, RetentionPeriodInDays: 7 },
      ...(environment ? { Environment: { Variables: environment } } : {}),
    });
  }
  writeAssembly(cdkOut, { Forks: { template: { Resources: resources } } });
  return cdkOut;
}
