import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqsMappingConfiguration } from '../../../local/lambda/event-source-mappings/mapping-answers.js';
import {
  type ProvisionedPollerConfig,
  SqsEventSource,
  type SqsMappingDefinition,
  sqsProvisionedPollerConfig,
} from '../../../local/lambda/event-source-mappings/sqs-event-source.js';
import type { FunctionRuntime } from '../../../local/lambda/runtime/function-runtime.js';
import { serviceDefinitions, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { loadStack } from '../../../local/template/load.js';
import { arnOf, counts, createSqs, REGION } from '../sqs/helpers.js';
import { artifact, BASE_URL } from '../template/helpers.js';
import { eventSourceMapping } from '../template-resources.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/**
 * A function that only counts: how many of its invocations overlap at most. Each holds its
 * batch for a while, so every poller that can have a batch in flight does.
 */
function countingFunction(maxConcurrency: number) {
  const seen = { current: 0, most: 0, invocations: 0 };
  const fn = {
    definition: { name: 'counter' },
    maxConcurrency,
    async invoke() {
      seen.current++;
      seen.invocations++;
      seen.most = Math.max(seen.most, seen.current);
      await new Promise((resolve) => setTimeout(resolve, 40));
      seen.current--;
      return { ok: true, payload: 'null' };
    },
  };
  return { fn: fn as unknown as FunctionRuntime, seen };
}

/** Drains `messages` one-record batches through a mapping and answers how many batches were in flight at once at most. */
async function mostBatchesInFlight(
  mapping: { provisionedPollerConfig?: ProvisionedPollerConfig; maximumConcurrency?: number },
  functionConcurrency: number,
  messages: number,
): Promise<number> {
  const { sqs, close } = createSqs();
  cleanup.push(close);
  const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'work' });
  const { fn, seen } = countingFunction(functionConcurrency);
  const definition: SqsMappingDefinition = {
    uuid: 'mapping-1',
    queueArn: arnOf('work'),
    functionName: 'counter',
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: false,
    enabled: true,
    ...mapping,
  };
  const source = new SqsEventSource(definition, sqs, fn, REGION, () => {});
  await source.start();
  cleanup.push(() => source.stop());
  for (let i = 0; i < messages; i += 10) {
    await sqs.SendMessageBatch({ QueueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: `m${i + j}` })) });
  }
  const deadline = Date.now() + 20_000;
  while (seen.invocations < messages && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen.invocations).toBe(messages);
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect((await counts(sqs, QueueUrl)).visible + (await counts(sqs, QueueUrl)).inFlight).toBe(0);
  return seen.most;
}

describe('SQS event source provisioned mode', () => {
  it('has at most 10 batches in flight per MaximumPollers', async () => {
    expect(await mostBatchesInFlight({ provisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 2 } }, 64, 120)).toBe(20);
  });

  it('runs up to the function concurrency without provisioned mode, and when MaximumPollers allows more', async () => {
    expect(await mostBatchesInFlight({}, 32, 120)).toBe(32);
    expect(await mostBatchesInFlight({ provisionedPollerConfig: { MaximumPollers: 200 } }, 8, 40)).toBe(8);
  });

  it('reads MinimumPollers and MaximumPollers as Lambda takes them', () => {
    expect(sqsProvisionedPollerConfig({ MinimumPollers: 2, MaximumPollers: 10_000 })).toEqual({
      MinimumPollers: 2,
      MaximumPollers: 10_000,
    });
    expect(sqsProvisionedPollerConfig({ MaximumPollers: '5' })).toEqual({ MaximumPollers: 5 });
    expect(sqsProvisionedPollerConfig({})).toEqual({});
    expect(sqsProvisionedPollerConfig(undefined)).toBeUndefined();
  });

  it.each([
    [
      { MinimumPollers: 1 },
      'InvalidParameterValueException',
      'MinimumPollers for an Amazon SQS event source mapping must be between 2 and 200, not 1.',
    ],
    [
      { MaximumPollers: 1 },
      'InvalidParameterValueException',
      'MaximumPollers for an Amazon SQS event source mapping must be between 2 and 10000, not 1.',
    ],
    [
      { MinimumPollers: 0 },
      'ValidationException',
      "1 validation error detected: Value '0' at 'provisionedPollerConfig.minimumPollers' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      { MaximumPollers: 10_001 },
      'ValidationException',
      "1 validation error detected: Value '10001' at 'provisionedPollerConfig.maximumPollers' failed to satisfy constraint: Member must have value less than or equal to 10000",
    ],
    [
      { MinimumPollers: 50, MaximumPollers: 10 },
      'InvalidParameterValueException',
      'MinimumPollers (50) must not be greater than MaximumPollers (10).',
    ],
    [{ MinimumPollers: 201 }, 'ValidationException', expect.stringContaining('less than or equal to 200')],
    [{ MaximumPollers: 2.5 }, 'InvalidParameterValueException', 'Invalid value: MaximumPollers must be an integer, not 2.5.'],
  ])('fails if the config is %j', (config, code, message) => {
    expect(() => sqsProvisionedPollerConfig(config)).toThrow(expect.objectContaining({ code, message }));
  });

  it('fails if ScalingConfig MaximumConcurrency is set as well', () => {
    expect(() => sqsProvisionedPollerConfig({ MaximumPollers: 4 }, { MaximumConcurrency: 5 })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValueException', message: expect.stringContaining('cannot both be set') }),
    );
  });
});

/** The service definitions of an inline template whose asset `asset.fn` exists. */
function definitionsOf(resources: Template['Resources']) {
  const assemblyDir = mkdtempSync(path.join(tmpdir(), 'switchyard-provisioned-'));
  mkdirSync(path.join(assemblyDir, 'asset.fn'));
  const warnings: string[] = [];
  const stack = loadStack(
    artifact({ Resources: resources }, { assemblyDir, stackName: 'App' }),
    { baseUrl: BASE_URL, types: TEMPLATE_TYPES },
    warnings,
  );
  return serviceDefinitions({ stacks: [stack], warnings });
}

function template(pollers: Record<string, unknown>) {
  return {
    Work: { Type: 'AWS::SQS::Queue', Properties: {} },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: 'worker', Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { S3Bucket: 'b', S3Key: 'k.zip' } },
      Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
    },
    Mapping: eventSourceMapping('Work', 'Fn', { ProvisionedPollerConfig: pollers }),
  };
}

describe('SQS event source provisioned mode from the template', () => {
  it('puts ProvisionedPollerConfig on the mapping and answers it from GetEventSourceMapping', () => {
    const definitions = definitionsOf(template({ MinimumPollers: 2, MaximumPollers: 3 }));
    const [mapping] = definitions.sqsMappings;
    expect(mapping?.provisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 3 });
    expect(mapping?.refusal).toBeUndefined();
    if (mapping === undefined) throw new Error('no mapping');
    const place = {
      accountId: '000000000000',
      region: REGION,
      arnOf: (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:${name}`,
    };
    const answer = sqsMappingConfiguration(place, mapping, { state: 'Enabled', lastModified: 0 });
    expect(answer.ProvisionedPollerConfig).toEqual({ MinimumPollers: 2, MaximumPollers: 3 });
  });

  it('fails the mapping with Lambda’s error when Lambda would refuse its ProvisionedPollerConfig, and does not run it', async () => {
    const definitions = definitionsOf(template({ MinimumPollers: 1 }));
    const [mapping] = definitions.sqsMappings;
    const refusal =
      'InvalidParameterValueException: MinimumPollers for an Amazon SQS event source mapping must be between 2 and 200, not 1.';
    expect(mapping?.refusal).toBe(refusal);
    expect(definitions.warnings).toContain(
      `App/Mapping (AWS::Lambda::EventSourceMapping): Lambda refuses its ProvisionedPollerConfig (${refusal}); the mapping is not run`,
    );
    const logged: string[] = [];
    const { sqs, close } = createSqs();
    cleanup.push(close);
    await sqs.CreateQueue({ QueueName: 'work' });
    const { fn, seen } = countingFunction(4);
    const source = new SqsEventSource({ ...(mapping as SqsMappingDefinition), queueArn: arnOf('work') }, sqs, fn, REGION, (_name, line) =>
      logged.push(line),
    );
    await source.start();
    cleanup.push(() => source.stop());
    await sqs.SendMessage({ QueueUrl: sqs.queueUrl('work'), MessageBody: 'stays' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.invocations).toBe(0);
    expect(logged).toEqual([`event source mapping ${mapping?.uuid} is not run: ${refusal}`]);
  });
});
