import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, CATALOGUE_DATE } from '../../../local/bedrock/catalogue.js';
import { checkServed, END_OF_LIFE, resolveModel } from '../../../local/bedrock/model-ids.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { httpApi, httpLambdaIntegration, httpRoute, httpStage, inlineFunction } from '../template-resources.js';
import { useBedrockRuntime } from './bedrock-runtime.js';

describe('the Bedrock model catalogue', () => {
  it('names each model once, reached on demand or through a profile AWS offers', () => {
    const ids = CATALOGUE.map((model) => model.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const model of CATALOGUE) {
      expect(model.onDemand || model.profiles.length > 0, model.id).toBe(true);
      for (const profile of model.profiles) expect(['us', 'eu', 'apac', 'jp', 'au', 'ca', 'global'], model.id).toContain(profile);
    }
  });

  it('dates its lifecycle as AWS pages do: a model past its end of life has an AWS date on or before the catalogue date and the page', () => {
    for (const { id, lifecycle } of CATALOGUE) {
      if (lifecycle.status === 'eol') {
        expect(lifecycle.eol <= CATALOGUE_DATE, id).toBe(true);
        expect(lifecycle.source, id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/bedrock\/latest\/userguide\/model-(lifecycle|card)/);
      }
      if (lifecycle.status === 'legacy' && lifecycle.eol !== undefined) {
        expect(lifecycle.eol > CATALOGUE_DATE, id).toBe(true);
        expect(lifecycle.source, id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      }
    }
  });

  it('refuses a model whose AWS EOL date has passed, and serves as Legacy one reported past its end of life that no AWS page dates', () => {
    const dated = resolveModel('amazon.titan-image-generator-v2:0', 'us-east-1').model;
    expect(dated.lifecycle).toMatchObject({ status: 'eol', eol: '2026-06-30' });
    expect(() => checkServed(dated, false)).toThrow(END_OF_LIFE);
    expect(() => checkServed(dated, true)).not.toThrow();
    const undated = resolveModel('amazon.titan-text-express-v1', 'us-east-1').model;
    expect(undated.lifecycle).toMatchObject({ status: 'legacy', eolUnverified: expect.stringContaining('no AWS page') });
    expect(() => checkServed(undated, false)).not.toThrow();
  });

  it('lists in the docs every model served although reported past its end of life', () => {
    const docs = readFileSync(path.join(import.meta.dirname, '../../../docs/local-runtime/bedrock.md'), 'utf8');
    // The paragraph after "EOL on AWS unverified: served:", up to the blank line that ends it.
    const list = /EOL on AWS unverified:\s+served:([\s\S]*?)\n\n/.exec(docs)?.[1] ?? '';
    const unverified = CATALOGUE.filter((m) => m.lifecycle.status === 'legacy' && m.lifecycle.eolUnverified !== undefined);
    expect(unverified.length).toBeGreaterThan(0);
    for (const { id } of unverified) expect(list, id).toContain(`\`${id}\``);
  });
});

describe('resolveModel', () => {
  it("refuses a geographic inference profile outside its geography's Regions as an invalid id, as Bedrock does", () => {
    expect(() => resolveModel('eu.amazon.nova-lite-v1:0', 'us-east-1')).toThrow('The provided model identifier is invalid.');
    expect(() => resolveModel('us.amazon.nova-lite-v1:0', 'eu-west-1')).toThrow('The provided model identifier is invalid.');
    expect(resolveModel('eu.amazon.nova-lite-v1:0', 'eu-west-1').model.id).toBe('amazon.nova-lite-v1:0');
    expect(resolveModel('us.amazon.nova-lite-v1:0', 'us-east-1').model.id).toBe('amazon.nova-lite-v1:0');
    expect(() => resolveModel('ca.amazon.nova-lite-v1:0', 'us-east-1')).toThrow('The provided model identifier is invalid.');
    expect(resolveModel('apac.amazon.nova-lite-v1:0', 'ap-northeast-1').model.id).toBe('amazon.nova-lite-v1:0');
    // Called in the runtime's Region for a stack synthesized for an EU one.
    expect(resolveModel('eu.amazon.nova-lite-v1:0', 'us-east-1', ['eu-central-1']).model.id).toBe('amazon.nova-lite-v1:0');
  });
});

describe('model ids against a started runtime', () => {
  const bedrock = useBedrockRuntime('anthropic.claude-3-5-haiku-*=simulated?eol=serve,simulated');

  const converse = (modelId: string) =>
    bedrock.client.send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));

  it('fails if the id is one AWS does not know, with ValidationException', async () => {
    await expect(converse('amazon.titan-text-ultra-v9')).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
  });

  it('fails if the model is past its end of life, with ResourceNotFoundException and AWS text', async () => {
    for (const modelId of [
      'anthropic.claude-3-haiku-20240307-v1:0',
      'meta.llama3-1-405b-instruct-v1:0',
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
    ]) {
      await expect(converse(modelId), modelId).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
        $metadata: { httpStatusCode: 404 },
      });
    }
    await expect(
      bedrock.client.send(
        new InvokeModelCommand({ modelId: 'amazon.titan-image-generator-v2:0', body: JSON.stringify({ taskType: 'TEXT_IMAGE' }) }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers a model past its end of life whose route says eol=serve', async () => {
    expect((await converse('us.anthropic.claude-3-5-haiku-20241022-v1:0')).stopReason).toBe('end_turn');
  });

  it('fails if the model is one Bedrock serves but the runtime does not answer, saying so and never calling it invalid', async () => {
    for (const modelId of ['luma.ray-v2:0', 'amazon.nova-2-sonic-v1:0', 'openai.gpt-5.4']) {
      const error = (await converse(modelId).catch((e: Error) => e)) as Error;
      expect(error.name, modelId).toBe('ValidationException');
      expect(error.message, modelId).toContain('the local Bedrock does not answer it');
      expect(error.message, modelId).not.toContain('invalid');
    }
  });
});

/** A public app's function: summarizes with Titan Text through InvokeModel, answering 502 with the error when the call fails. */
const SUMMARIZER = `
const { BedrockRuntimeClient, InvokeModelCommand } = require('@aws-sdk/client-bedrock-runtime');
const client = new BedrockRuntimeClient({});
exports.handler = async (event) => {
  const modelId = event.queryStringParameters?.model ?? 'amazon.titan-text-express-v1';
  const body = { inputText: 'Summarize: ' + event.body, textGenerationConfig: { maxTokenCount: 200, temperature: 0 } };
  try {
    const out = await client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body), contentType: 'application/json' }));
    const answer = JSON.parse(Buffer.from(out.body).toString('utf8'));
    return { statusCode: 200, body: JSON.stringify({ summary: answer.results[0].outputText, reason: answer.results[0].completionReason }) };
  } catch (error) {
    return { statusCode: 502, body: JSON.stringify({ error: error.name, message: error.message }) };
  }
};
// ${randomUUID()}
`;

describe('a Titan Text app behind an HTTP API', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf(
        {
          Fn: inlineFunction(SUMMARIZER, { Timeout: 10 }),
          Api: httpApi('summaries'),
          Integration: httpLambdaIntegration('Fn', { ApiId: { 'Fn::GetAtt': ['Api', 'ApiId'] } }),
          Route: httpRoute('POST /summarize', 'Integration'),
          Stage: httpStage('$default', { AutoDeploy: true }),
        },
        'Summaries',
      ),
    ownsAssembly: true,
  });
  let apiId: string;
  beforeAll(() => {
    apiId = app.runtime.httpApiUrls[0]?.apiId ?? '';
  });

  const post = (query: string, text: string) =>
    new Promise<{ status: number; body: Record<string, string> }>((resolve, reject) => {
      const url = new URL(`${app.runtime.url}/_aws/execute-api/${apiId}/summarize${query}`);
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      });
      req.on('error', reject);
      req.end(text);
    });

  it('summarizes through the Titan Text body: Titan Text is served as Legacy, no AWS page dating its end of life', async () => {
    const answer = await post('', 'The quarterly report shows revenue up 12%.');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ summary: expect.stringContaining('revenue up 12%'), reason: 'FINISHED' });
  });

  it('answers the app as AWS does when its model is past its end of life: ResourceNotFoundException, not an invalid id', async () => {
    // Llama 3.1 405B reached its end of life on 2026-07-07 (AWS's lifecycle page); the call is refused before its body is read.
    const answer = await post('?model=meta.llama3-1-405b-instruct-v1:0', 'anything');
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({ error: 'ResourceNotFoundException', message: END_OF_LIFE });
  });
});
