// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the ${...} placeholders are DefinitionSubstitutions' own, not template literals
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { DefinitionSubstitutionError, substituteDefinition } from '../../../local/states/definition-substitutions.js';
import { stateMachineDefinitions } from '../../../local/states/definitions.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { type LoadedStack, loadStack } from '../../../local/template/load.js';
import { writeAssembly } from '../assembly.js';
import { credentials, disposableData, region } from '../helpers.js';
import { ALL_KNOWN_RUN, artifact, BASE_URL } from '../template/helpers.js';
import { createStates, machineArn, ROLE, type TestStates } from './helpers.js';

const values = (entries: Record<string, string>) => new Map(Object.entries(entries));

/** A Pass state answering `result`, a definition written as text so that placeholders may stand unquoted. */
const passing = (result: string) => `{"StartAt":"Done","States":{"Done":{"Type":"Pass","Result":${result},"End":true}}}`;

/**
 * A small SAM-style template: a queue, and EXPRESS machines whose definitions take its URL
 * (Ref) and ARN (Fn::GetAtt), a number, a boolean, a Fn::Sub and a literal through
 * DefinitionSubstitutions, as a string, as an object and as a file of the assembly.
 */
function fixture(extra: Template['Resources'] = {}): Template {
  const substitutions = {
    QueueUrl: { Ref: 'Jobs' },
    QueueArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
    Count: 3,
    Enabled: true,
    Region: { 'Fn::Sub': '${AWS::Region}' },
    Greeting: 'hello',
  };
  return {
    Resources: {
      Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
      FromString: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'from-string',
          StateMachineType: 'EXPRESS',
          RoleArn: ROLE,
          DefinitionString: passing(
            '{"url":"${QueueUrl}","arn":"${QueueArn}","count":${Count},"countText":"${Count}","enabled":${Enabled},"where":"${Region}","greeting":"${Greeting}, ${Greeting}"}',
          ),
          DefinitionSubstitutions: substitutions,
        },
      },
      FromObject: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'from-object',
          RoleArn: ROLE,
          Definition: JSON.parse(passing('{"url":"${QueueUrl}","count":"${Count}"}')),
          DefinitionSubstitutions: substitutions,
        },
      },
      FromFile: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'from-file',
          RoleArn: ROLE,
          DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}' }, Key: 'abc.json' },
          DefinitionSubstitutions: substitutions,
        },
      },
      ...extra,
    },
  };
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The fixture loaded, its definition file (`abc.json`) an asset of the assembly. */
function loadFixture(extra: Template['Resources'] = {}): { stack: LoadedStack; loaderWarnings: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-substitutions-'));
  folders.push(dir);
  writeFileSync(path.join(dir, 'asset.abc.json'), passing('{"arn":"${QueueArn}","enabled":${Enabled}}'));
  const loaderWarnings: string[] = [];
  const stack = loadStack(
    artifact(fixture(extra), { assemblyDir: dir, assets: new Map([['abc.json', path.join(dir, 'asset.abc.json')]]) }),
    { baseUrl: BASE_URL, types: ALL_KNOWN_RUN },
    loaderWarnings,
  );
  return { stack, loaderWarnings };
}

function machines(extra: Template['Resources'] = {}) {
  const { stack } = loadFixture(extra);
  return stateMachineDefinitions((type) => stack.resources.filter((r) => r.type === type));
}

const resultOf = (definition: string) => JSON.parse(definition).States.Done.Result;
const QUEUE_URL = `${BASE_URL}/000000000000/jobs`;
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs';

describe('substituteDefinition', () => {
  it('replaces the text: a quoted placeholder stays a string, an unquoted one becomes the JSON it spells', () => {
    const out = substituteDefinition(passing('{"a":"${N}","b":${N},"c":${B},"d":"x-${S}-${S}"}'), values({ N: '42', B: 'true', S: 'y' }));
    expect(resultOf(out)).toEqual({ a: '42', b: 42, c: true, d: 'x-y-y' });
  });

  it('replaces placeholders anywhere, keys as well, and again in what a value brought in', () => {
    expect(substituteDefinition('{"${K}":"${Outer}"}', values({ K: 'key', Outer: '<${Inner}>', Inner: 'in' }))).toBe('{"key":"<in>"}');
  });

  it('leaves a placeholder no key names, and one written without braces, as written', () => {
    expect(substituteDefinition('{"a":"${Missing}","b":"$N","c":"${N}"}', values({ N: '1' }))).toBe('{"a":"${Missing}","b":"$N","c":"1"}');
  });

  it('fails if the values bring each other in without end', () => {
    expect(() => substituteDefinition('"${A}"', values({ A: '${B}', B: '${A}' }))).toThrow(DefinitionSubstitutionError);
  });
});

describe('stateMachineDefinitions with DefinitionSubstitutions', () => {
  it('substitutes strings, numbers, booleans, Ref, Fn::GetAtt and Fn::Sub into a DefinitionString', () => {
    const { stateMachines, warnings } = machines();
    expect(warnings).toEqual([]);
    const fromString = stateMachines.find((m) => m.name === 'from-string');
    expect(resultOf(fromString?.definition ?? '')).toEqual({
      url: QUEUE_URL,
      arn: QUEUE_ARN,
      count: 3,
      countText: '3',
      enabled: true,
      where: 'us-east-1',
      greeting: 'hello, hello',
    });
    expect(fromString?.problem).toBeUndefined();
  });

  it('substitutes into a Definition object (every placeholder there is inside a string) and a DefinitionS3Location file of the assembly', () => {
    const { stateMachines } = machines();
    expect(resultOf(stateMachines.find((m) => m.name === 'from-object')?.definition ?? '')).toEqual({ url: QUEUE_URL, count: '3' });
    expect(resultOf(stateMachines.find((m) => m.name === 'from-file')?.definition ?? '')).toEqual({ arn: QUEUE_ARN, enabled: true });
  });

  it('fails the machine if a placeholder outside a string has no substitution: named at start-up and kept for StartExecution', () => {
    const { stateMachines, warnings } = machines({
      Broken: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'broken',
          RoleArn: ROLE,
          DefinitionString: passing('{"count":${Cuont},"text":"${Other}"}'),
          DefinitionSubstitutions: { Count: 3 },
        },
      },
    });
    const broken = stateMachines.find((m) => m.name === 'broken');
    expect(broken?.problem).toMatch(
      /^Test\/Broken: the definition is not JSON after its DefinitionSubstitutions \(.+\); DefinitionSubstitutions gives no value for \$\{Cuont\}, \$\{Other\}$/,
    );
    expect(warnings).toEqual([
      `Test/Broken (AWS::StepFunctions::StateMachine): ${broken?.problem?.slice('Test/Broken: '.length)}; StartExecution answers InvalidDefinition`,
    ]);
  });

  it('keeps a quoted placeholder no substitution names as written, as AWS does, and says so', () => {
    const { stateMachines, warnings } = machines({
      Literal: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'literal',
          RoleArn: ROLE,
          DefinitionString: passing('{"text":"${Unknown}","n":${N}}'),
          DefinitionSubstitutions: { N: 1 },
        },
      },
    });
    const literal = stateMachines.find((m) => m.name === 'literal');
    expect(resultOf(literal?.definition ?? '')).toEqual({ text: '${Unknown}', n: 1 });
    expect(literal?.problem).toBeUndefined();
    expect(warnings).toEqual([
      'Test/Literal (AWS::StepFunctions::StateMachine): the definition holds ${Unknown}, which DefinitionSubstitutions gives no value for: the text stays as written, as AWS leaves it',
    ]);
  });

  it('fails a machine whose definition did not resolve, naming that at start-up and for StartExecution', () => {
    const { stateMachines, warnings } = machines({
      Unresolved: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'unresolved', RoleArn: ROLE, DefinitionString: { 'Fn::ImportValue': 'Elsewhere-Arn' } },
      },
    });
    const unresolved = stateMachines.find((m) => m.name === 'unresolved');
    expect(unresolved?.problem).toBe(
      'Test/Unresolved: none of DefinitionString, Definition and DefinitionS3Location has a value here (a line above names what did not resolve)',
    );
    expect(warnings).toEqual([
      'Test/Unresolved (AWS::StepFunctions::StateMachine): none of DefinitionString, Definition and DefinitionS3Location has a value here (a line above names what did not resolve); StartExecution answers InvalidDefinition',
    ]);
  });

  it('fails if a substitution is not a string, a number or a boolean, or the definition file is no asset: the machine is left out', () => {
    const { stateMachines, warnings } = machines({
      Listed: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'listed', RoleArn: ROLE, DefinitionString: '{}', DefinitionSubstitutions: { L: ['a'] } },
      },
      Elsewhere: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'elsewhere', RoleArn: ROLE, DefinitionS3Location: { Bucket: 'shared', Key: 'flows/x.json' } },
      },
    });
    expect(stateMachines.map((m) => m.name)).not.toContain('listed');
    expect(stateMachines.map((m) => m.name)).not.toContain('elsewhere');
    expect(warnings).toEqual([
      'Test/Listed (AWS::StepFunctions::StateMachine): DefinitionSubstitutions.L must be a string, a number or a boolean (got ["a"]), which CloudFormation refuses; it is left out',
      'Test/Elsewhere (AWS::StepFunctions::StateMachine): its DefinitionS3Location is not a file of the cloud assembly, so its definition cannot be read; it is left out',
    ]);
  });
});

describe('StartExecution of a template machine whose substituted definition is not JSON', () => {
  let t: TestStates | undefined;
  afterEach(async () => t?.close());

  it('fails with InvalidDefinition naming the template resource and the missing substitution', async () => {
    const problem =
      'Test/Broken: the definition is not JSON after its DefinitionSubstitutions; DefinitionSubstitutions gives no value for ${N}';
    t = await createStates({
      stateMachines: [{ name: 'broken', arn: machineArn('broken'), type: 'STANDARD', definition: passing('${N}'), roleArn: ROLE, problem }],
    });
    await expect(t.states.StartExecution({ stateMachineArn: machineArn('broken') })).rejects.toMatchObject({
      code: 'InvalidDefinition',
      message: expect.stringMatching(/^Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: [\s\S]*' \(Test\/Broken: .*\$\{N\}\)$/),
    });
  });
});

describe('a runtime started on a template with DefinitionSubstitutions', () => {
  it('runs the substituted machine, and refuses to start the one with a missing substitution, naming it', async () => {
    const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-substitutions-assembly-'));
    folders.push(cdkOut);
    mkdirSync(cdkOut, { recursive: true });
    const template = fixture({
      Broken: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'broken',
          RoleArn: ROLE,
          DefinitionString: passing('${Missing}'),
          DefinitionSubstitutions: { N: 1 },
        },
      },
    });
    // The file machine needs its asset; the template test above covers it.
    delete (template.Resources as Record<string, unknown>).FromFile;
    writeAssembly(cdkOut, { Test: { template } });
    const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials, disableHostPrefix: true });
    try {
      expect(runtime.warnings).toContainEqual(
        expect.stringMatching(/^Test\/Broken \(AWS::StepFunctions::StateMachine\): the definition is not JSON/),
      );
      const synced = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('from-string') }));
      expect(JSON.parse(synced.output ?? '')).toMatchObject({ count: 3, countText: '3', enabled: true, arn: QUEUE_ARN });
      await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('broken') }))).rejects.toMatchObject({
        name: 'InvalidDefinition',
        message: expect.stringContaining('(Test/Broken: the definition is not JSON after its DefinitionSubstitutions'),
      });
    } finally {
      sfn.destroy();
      await runtime.stop();
    }
  });
});
