import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeAssembly } from '../local/assembly.js';
import type { DurableApp } from '../local/lambda/durable/fixture.js';

/** A function that starts a durable execution as the workflow starter does: an asynchronous Invoke by name, with the SDK. */
const STARTER = `
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
const client = new LambdaClient({});
export const handler = async (event) => {
  const started = await client.send(new InvokeCommand({
    FunctionName: 'callback-only:$LATEST', InvocationType: 'Event', DurableExecutionName: event.name, Payload: new TextEncoder().encode('{}'),
  }));
  return started.DurableExecutionArn;
};
`;

/** The fixture's app with the starter added to its stack. */
export function withStarter(app: DurableApp): void {
  const file = path.join(app.cdkOut, 'Durable.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8'));
  const plain = template.Resources.Plain;
  mkdirSync(path.join(app.cdkOut, 'asset.starter'));
  writeFileSync(path.join(app.cdkOut, 'asset.starter', 'index.mjs'), STARTER);
  template.Resources.Starter = {
    ...plain,
    Properties: { ...plain.Properties, FunctionName: 'starter', Code: { S3Bucket: 'b', S3Key: 'asset.starter.zip' } },
    Metadata: { 'aws:asset:path': 'asset.starter', 'aws:asset:property': 'Code' },
  };
  writeAssembly(app.cdkOut, { Durable: { template } });
}
