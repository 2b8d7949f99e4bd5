import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ModelCallsPage } from '../../clients/read-api-contract.js';
import { appEnv, fixtureManifest, installFixtureApp, ok, start, timed, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'ai-app');
/** test/package's ports are 4740-4759; this suite's runtimes take 4746. */
const PORT = 4746;
const endpoint = `http://127.0.0.1:${PORT}`;
const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const fixtures = path.join(app, 'models.jsonl');
const invoice = { invoiceId: 'INV-1', text: 'ACME GmbH, invoice 77, total 120.00 EUR' };

/** An OpenAI-compatible model server: the invoice's fields to a forced tool, a risk label otherwise; it counts what it answers. */
function modelServer(): Server & { answered: number } {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const asked = JSON.parse(body) as { tools?: unknown[]; tool_choice?: unknown };
      server.answered++;
      const message =
        asked.tools !== undefined && asked.tool_choice !== 'auto'
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'c1',
                  type: 'function',
                  function: { name: 'record_invoice', arguments: '{"vendor":"ACME GmbH","total":120,"currency":"EUR"}' },
                },
              ],
            }
          : { role: 'assistant', content: 'low' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          choices: [{ index: 0, message, finish_reason: message.content === null ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
        }),
      );
    });
  }) as Server & { answered: number };
  server.answered = 0;
  return server;
}

/** The app under switchyard dev on its own data folder, with the given model backends; resolves once its table is there. */
async function dev(models: string, data: string) {
  const running = start(
    'npx',
    ['switchyard', 'dev', '--port', String(PORT), '--no-watch', '--data', data],
    app,
    appEnv({ SWITCHYARD_MODELS: models }),
  );
  await waitFor(
    `switchyard dev to run the AI app on ${endpoint}`,
    async () => {
      if (running.exited()) throw new Error(`switchyard dev exited:\n${running.output()}`);
      const { TableNames = [] } = await new DynamoDBClient(aws).send(new ListTablesCommand({}));
      return TableNames.find((name) => name.includes('Invoices')) ? true : undefined;
    },
    180_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- switchyard dev output\n${running.output()}`);
  });
  return running;
}

/** Sends the invoice and waits for what the app does with it: the extracted item, the labelled execution, the calls the local Bedrock recorded. */
async function handled() {
  ok('npx', ['switchyard', 'send', 'InvoiceReceived', '--detail', JSON.stringify(invoice), '--endpoint', endpoint], app);
  const dynamodb = new DynamoDBClient(aws);
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('Invoices') && !name.includes('Idempotency')) ?? '';
  const item = await waitFor(
    'the extracted invoice',
    async () => (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { invoiceId: { S: 'INV-1' } } }))).Item,
  );
  const sfn = new SFNClient(aws);
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const execution = await waitFor('the risk label execution', async () => {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachines[0]?.stateMachineArn }));
    return executions.find((e) => e.status !== 'RUNNING');
  });
  const { calls } = (await (await fetch(`${endpoint}/_switchyard/v1/model-calls`)).json()) as ModelCallsPage;
  return { item, execution, calls };
}

describe('an AI app on the installed packages (fixtures/ai-app: Converse with a forced tool, a bedrock:invokeModel task)', () => {
  const server = modelServer();
  let running: Awaited<ReturnType<typeof dev>> | undefined;

  afterAll(async () => {
    await running?.stop();
    server.close();
  });

  it('installs and synthesizes', () => {
    const manifest = fixtureManifest('ai-app', tarballs, {
      dependencies: [
        'aws-cdk-lib',
        'constructs',
        '@aws-sdk/client-bedrock-runtime',
        '@aws-sdk/client-dynamodb',
        '@aws-lambda-powertools/idempotency',
      ],
      devDependencies: ['aws-cdk', 'esbuild', 'tsx'],
      cli: true,
    });
    installFixtureApp('ai-app', app, manifest);
    timed('cdk synth of the AI app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    expect(readFileSync(path.join(app, 'cdk.out', 'Invoices.template.json'), 'utf8')).toContain(':states:::bedrock:invokeModel');
  });

  it('runs under switchyard dev with SWITCHYARD_MODELS=openai:<url>, every call answered and its usage recorded (and recorded to fixtures)', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    running = await dev(`record:${fixtures}|openai:${url}`, path.join(app, '.data-openai'));
    const { item, execution, calls } = await handled();
    expect(item).toMatchObject({ vendor: { S: 'ACME GmbH' }, total: { N: '120' }, currency: { S: 'EUR' }, tokens: { N: '150' } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(server.answered).toBe(2);
    expect(calls.map((c) => c.model).sort()).toEqual(['amazon.nova-lite-v1:0', 'anthropic.claude-sonnet-4-5-20250929-v1:0']);
    for (const call of calls) expect(call).toMatchObject({ inputTokens: 120, outputTokens: 30 });
    expect(existsSync(fixtures)).toBe(true);
    await running.stop();
    running = undefined;
  }, 300_000);

  it('runs again from the recorded fixtures alone, the model server gone, every call answered', async () => {
    server.close();
    running = await dev(`fixtures:${fixtures}`, path.join(app, '.data-fixtures'));
    const { item, execution, calls } = await handled();
    expect(item).toMatchObject({ vendor: { S: 'ACME GmbH' }, total: { N: '120' } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.error).toBeUndefined();
  }, 300_000);
});
