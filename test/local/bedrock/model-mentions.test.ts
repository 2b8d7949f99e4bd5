import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mayCallModels, refusedModelWarnings } from '../../../local/bedrock/model-mentions.js';
import { parseModelSettings, routeFor } from '../../../local/bedrock/model-settings.js';
import type { FunctionDefinition } from '../../../local/lambda/core/function-definition.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { startupReport } from '../../../local/startup/startup-report.js';
import type { StateMachineTemplate } from '../../../local/states/definitions.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { writeFiles } from '../../helpers/temp-folders.js';
import { assemblyOf, tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { inlinePolicy, serviceRole, stateMachine } from '../template-resources.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-model-mentions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A function whose asset folder holds `files` (path -> code), with `environment`. */
function fn(name: string, files: Record<string, string>, environment: Record<string, string> = {}): FunctionDefinition {
  const codePath = path.join(dir, name);
  writeFiles(codePath, files);
  return {
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    architecture: 'x86_64',
    codePath,
    timeoutSeconds: 3,
    memorySize: 128,
    environment,
    logGroupName: `/aws/lambda/${name}`,
  };
}

const machine = (name: string, definition: unknown): StateMachineTemplate => ({
  name,
  arn: `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`,
  type: 'STANDARD',
  definition: JSON.stringify(definition),
});

/** What esbuild leaves of a handler that picks its model from a constant (minified). */
const IMAGE_BUNDLE = 'var a="amazon.titan-image-generator-v2:0";export const handler=async e=>({modelId:a,body:e});';
const DEFAULT_ROUTES = parseModelSettings(undefined);

describe('refusedModelWarnings', () => {
  it("names a function whose bundle holds a model past its end of life, with AWS's answer and the SWITCHYARD_MODELS that runs it", () => {
    const lines = refusedModelWarnings([fn('ImageFn', { 'index.mjs': IMAGE_BUNDLE })], [], DEFAULT_ROUTES, { region: 'us-east-1' });
    expect(lines).toEqual([
      "[as in AWS] function ImageFn (AWS::Lambda::Function): names amazon.titan-image-generator-v2:0, which reached end of life on AWS on 2026-06-30: Bedrock answers ResourceNotFoundException, as AWS does; to run it anyway: SWITCHYARD_MODELS='amazon.titan-image-generator-v2:0=simulated?eol=serve,simulated'",
    ]);
  });

  it('suggests SWITCHYARD_MODELS that keeps the entries in force and serves the model from the backend that answers it now', () => {
    const routes = parseModelSettings('anthropic.*=simulated?latency=1..2,simulated?throttle=0.1');
    const [line] = refusedModelWarnings([fn('Summarizer', {}, { MODEL: 'anthropic.claude-3-haiku-20240307-v1:0' })], [], routes, {
      region: 'us-east-1',
    });
    const suggested = /SWITCHYARD_MODELS='([^']+)'/.exec(line ?? '')?.[1];
    expect(suggested).toBe(
      'anthropic.claude-3-haiku-20240307-v1:0=simulated?latency=1..2&eol=serve,anthropic.*=simulated?latency=1..2,simulated?throttle=0.1',
    );
    const served = routeFor(
      parseModelSettings(suggested),
      'anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(served.serveEndOfLife).toBe(true);
    expect(served.spec).toBe('anthropic.claude-3-haiku-20240307-v1:0=simulated?latency=1..2&eol=serve');
  });

  it('finds the ids in environment variables, as profile ids and in ARNs, once each, in any file of the asset', () => {
    const lines = refusedModelWarnings(
      [
        fn(
          'Agent',
          {
            'index.js':
              'module.exports.m = ["us.anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0"];',
            'lib/models.cjs': 'exports.arn = "arn:aws:bedrock:us-east-1::foundation-model/cohere.command-r-v1:0";',
          },
          { FALLBACK: 'meta.llama3-1-405b-instruct-v1:0' },
        ),
      ],
      [],
      DEFAULT_ROUTES,
      { region: 'us-east-1' },
    );
    expect(lines.map((line) => /names (\S+), /.exec(line)?.[1])).toEqual([
      'meta.llama3-1-405b-instruct-v1:0',
      'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      'cohere.command-r-v1:0',
    ]);
  });

  it("names a geographic inference profile of another geography than the Region's, which AWS refuses as an invalid id", () => {
    const environment = { BEDROCK_MODEL_ID: 'eu.amazon.nova-lite-v1:0' };
    expect(refusedModelWarnings([fn('Processor', {}, environment)], [], DEFAULT_ROUTES, { region: 'us-east-1' })).toEqual([
      "[as in AWS] function Processor (AWS::Lambda::Function): names eu.amazon.nova-lite-v1:0, an inference profile Bedrock has only in its geography's Regions: in us-east-1 its calls get ValidationException (The provided model identifier is invalid), as AWS answers; in us-east-1 call us.amazon.nova-lite-v1:0",
    ]);
    // A stack pinned to an EU Region deploys there, where the profile is known.
    expect(
      refusedModelWarnings([fn('Processor', {}, environment)], [], DEFAULT_ROUTES, { region: 'us-east-1', stackRegions: ['eu-west-1'] }),
    ).toEqual([]);
    expect(refusedModelWarnings([fn('Processor', {}, environment)], [], DEFAULT_ROUTES, { region: 'eu-central-1' })).toEqual([]);
    const inUs = { BEDROCK_MODEL_ID: 'us.amazon.nova-lite-v1:0', OTHER: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' };
    expect(refusedModelWarnings([fn('Processor', {}, inUs)], [], DEFAULT_ROUTES, { region: 'us-east-1' })).toEqual([]);
  });

  it('names a state machine whose definition calls a model the local Bedrock does not answer, as a difference from AWS', () => {
    const definition = {
      StartAt: 'Video',
      States: {
        Video: {
          Type: 'Task',
          Resource: 'arn:aws:states:::bedrock:invokeModel',
          Parameters: { ModelId: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-sonic-v1:0', Body: {} },
          End: true,
        },
      },
    };
    expect(refusedModelWarnings([], [machine('Trailer', definition)], DEFAULT_ROUTES, { region: 'us-east-1' })).toEqual([
      'state machine Trailer (AWS::StepFunctions::StateMachine): names amazon.nova-2-sonic-v1:0, which the local Bedrock does not answer (it speaks, through InvokeModelWithBidirectionalStream): its InvokeModelWithBidirectionalStream calls get UnknownOperationException (the local Bedrock does not serve InvokeModelWithBidirectionalStream), InvokeModel and Converse ValidationException',
    ]);
  });

  it('names nothing for models it answers: active, Legacy (dated or not), a longer id, or past its end of life on an eol=serve entry', () => {
    const code = [
      'amazon.titan-text-express-v1', // reported past its end of life, no AWS date: served as Legacy
      'anthropic.claude-opus-4-1-20250805-v1:0', // Legacy until 2027-01-08
      'openai.gpt-oss-20b-1:0', // served; openai.gpt-oss-20b (served only by bedrock-mantle) is not named by it
      'amazon.nova-pro-v1:0',
      'luma.ray-v2:0', // a video model: answered through StartAsyncInvoke
      'amazon.titan-image-generator-v2:0',
    ]
      .map((id) => `"${id}"`)
      .join(',');
    const routes = parseModelSettings('amazon.titan-image-*=simulated?eol=serve,simulated');
    expect(refusedModelWarnings([fn('Quiet', { 'index.js': code })], [], routes, { region: 'us-east-1' })).toEqual([]);
  });

  it('reads nothing of an asset folder that does not exist', () => {
    const missing = { ...fn('Gone', {}), codePath: path.join(dir, 'no-such-folder') };
    expect(refusedModelWarnings([missing], [], DEFAULT_ROUTES, { region: 'us-east-1' })).toEqual([]);
  });
});

describe('the start-up report of an app whose function names a model past its end of life', () => {
  const app = restartableRuntime({
    assembly: () => {
      const cdkOut = tempAssemblyDir();
      writeFiles(cdkOut, { 'asset.image/index.mjs': IMAGE_BUNDLE });
      return writeAssembly(cdkOut, {
        Images: {
          template: {
            Resources: {
              ImageFn: {
                Type: 'AWS::Lambda::Function',
                Properties: {
                  FunctionName: 'ImageFn',
                  Handler: 'index.handler',
                  Runtime: 'nodejs24.x',
                  Code: { S3Bucket: 'b', S3Key: 'k.zip' },
                },
                Metadata: { 'aws:asset:path': 'asset.image', 'aws:asset:property': 'Code' },
              },
            },
          },
        },
      });
    },
    ownsAssembly: true,
  });

  it('names the function before its first call, with the date AWS gives and how to run it anyway, tagged as AWS behaviour', () => {
    const { warnings } = startupReport({
      url: app.runtime.url,
      definitions: app.runtime.definitions,
      warnings: app.runtime.warnings,
      dataDir: app.dataDir,
      startedSeconds: 0,
      root: app.dataDir,
    });
    expect(warnings).toContain(
      "[as in AWS] function ImageFn (AWS::Lambda::Function): names amazon.titan-image-generator-v2:0, which reached end of life on AWS on 2026-06-30: Bedrock answers ResourceNotFoundException, as AWS does; to run it anyway: SWITCHYARD_MODELS='amazon.titan-image-generator-v2:0=simulated?eol=serve,simulated'",
    );
  });
});

describe('mayCallModels', () => {
  /** An app of these resources, loaded as the runtime loads it. */
  const appOf = (resources: Record<string, TemplateResource>) =>
    loadApp({
      cdkOut: assemblyOf(resources, 'App'),
      baseUrl: 'http://localhost:4566',
      types: TEMPLATE_TYPES,
    });
  const role = (Policies: unknown[] = [], ManagedPolicyArns: string[] = []) =>
    serviceRole('lambda.amazonaws.com', { Policies, ManagedPolicyArns });
  const grant = (Action: string) => inlinePolicy('p', { Action, Resource: '*' });

  it('says an app whose roles may call Bedrock, or whose state machine calls it, may call models', () => {
    expect(mayCallModels(appOf({ Caller: role([grant('bedrock:InvokeModel')]) }))).toBe(true);
    expect(mayCallModels(appOf({ Caller: role([], ['arn:aws:iam::aws:policy/AmazonBedrockFullAccess']) }))).toBe(true);
    const definition = { StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: 'arn:aws:states:::bedrock:invokeModel', End: true } } };
    const machine = stateMachine(definition, { RoleArn: 'arn:aws:iam::000000000000:role/r' });
    expect(mayCallModels(appOf({ Machine: machine }))).toBe(true);
  });

  it('says an app whose roles grant no model call does not', () => {
    expect(mayCallModels(appOf({ Reader: role([grant('sqs:ReceiveMessage')]) }))).toBe(false);
  });
});
