import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FunctionDirectory } from '../../../local/lambda/core/function-reference.js';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import { serviceDefinitions, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { loadStack } from '../../../local/template/load.js';
import { artifact, BASE_URL } from '../template/helpers.js';
import { eventSourceMapping, inlineFunction } from '../template-resources.js';

/** The service definitions of an inline template whose assets `asset.fn` (holding the handler's index.js) and `asset.layer` exist. */
function definitionsOf(resources: Template['Resources']) {
  const assemblyDir = mkdtempSync(path.join(tmpdir(), 'switchyard-defs-'));
  for (const asset of ['asset.fn', 'asset.layer']) mkdirSync(path.join(assemblyDir, asset));
  writeFileSync(path.join(assemblyDir, 'asset.fn', 'index.js'), 'exports.handler = async () => {};');
  const warnings: string[] = [];
  const stack = loadStack(
    artifact({ Resources: resources }, { assemblyDir, stackName: 'App' }),
    { baseUrl: BASE_URL, types: TEMPLATE_TYPES },
    warnings,
  );
  const definitions = serviceDefinitions({ stacks: [stack], warnings });
  return { definitions, loaderWarnings: warnings, assemblyDir };
}

const fn = (properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { S3Bucket: 'b', S3Key: 'k.zip' }, ...properties },
  Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
});
const queue = { Type: 'AWS::SQS::Queue', Properties: {} };

describe('serviceDefinitions for Lambda', () => {
  it('warns that a function with SnapStart on its versions takes no snapshot locally', () => {
    const { definitions } = definitionsOf({
      Snap: fn({ FunctionName: 'snap', Runtime: 'python3.12', SnapStart: { ApplyOn: 'PublishedVersions' } }),
      Plain: fn({ FunctionName: 'plain', SnapStart: { ApplyOn: 'None' } }),
    });
    expect(definitions.warnings.filter((w) => w.includes('SnapStart'))).toEqual([
      'App/Snap (AWS::Lambda::Function): SnapStart takes no snapshot locally: its versions answer OptimizationStatus On, but each execution environment runs the init phase, and no runtime hooks (before checkpoint, after restore) run',
    ]);
  });

  it('warns that a function with X-Ray active tracing sends its segments nowhere locally', () => {
    const { definitions } = definitionsOf({
      Traced: fn({ FunctionName: 'traced', TracingConfig: { Mode: 'Active' } }),
      PassThrough: fn({ FunctionName: 'passing', TracingConfig: { Mode: 'PassThrough' } }),
    });
    expect(definitions.warnings.filter((w) => w.includes('X-Ray'))).toEqual([
      "App/Traced (AWS::Lambda::Function): X-Ray active tracing is not run locally: no X-Ray daemon receives the segments its X-Ray SDK or tracer sends, and no X-Ray trace or service map shows them; the runtime's own spans follow its events instead (switchyard trace <event or message id>)",
    ]);
  });

  it('puts the template versions and aliases, with an alias routing weights, on their function', () => {
    const { definitions } = definitionsOf({
      Fn: fn({ FunctionName: 'versioned' }),
      Other: fn({ FunctionName: 'plain' }),
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      FnAlias: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          Name: 'live',
          FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
          RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: '2', FunctionWeight: 0.1 }] },
        },
      },
    });
    const versioned = definitions.functions.find((f) => f.name === 'versioned');
    expect(versioned?.versions).toEqual(['1']);
    expect(versioned?.aliases).toEqual([{ name: 'live', functionVersion: '1', additionalVersionWeights: { '2': 0.1 } }]);
    expect(definitions.functions.find((f) => f.name === 'plain')?.aliases).toBeUndefined();
  });

  it('gives a Lambda Managed Instances function the $LATEST.PUBLISHED version CloudFormation publishes, the one an unqualified name runs', () => {
    const { definitions } = definitionsOf({
      Fn: fn({
        FunctionName: 'managed',
        CapacityProviderConfig: { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: 'arn' } },
      }),
      Other: fn({ FunctionName: 'plain' }),
    });
    const byName = new Map(definitions.functions.map((definition) => [definition.name, { definition }]));
    const directory = new FunctionDirectory(byName, '000000000000', 'us-east-1');
    expect(byName.get('managed')?.definition.versions).toEqual(['$LATEST.PUBLISHED']);
    expect(directory.resolve('managed:$LATEST.PUBLISHED', undefined, true).version).toBe('$LATEST.PUBLISHED');
    expect(directory.resolve('managed', undefined, true).version).toBe('$LATEST.PUBLISHED');
    expect(directory.resolve('managed:$LATEST', undefined, true).version).toBe('$LATEST');
    expect(() => directory.resolve('plain:$LATEST.PUBLISHED', undefined, true)).toThrow(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:plain:$LATEST.PUBLISHED',
    );
  });

  it('reads AWS::Lambda::EventInvokeConfig and the DeadLetterConfig onto the function', () => {
    const { definitions, loaderWarnings } = definitionsOf({
      Ok: queue,
      Failed: queue,
      Dead: queue,
      Fn: fn({ DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Dead', 'Arn'] } } }),
      FnConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 1,
          MaximumEventAgeInSeconds: 3600,
          DestinationConfig: {
            OnSuccess: { Destination: { 'Fn::GetAtt': ['Ok', 'Arn'] } },
            OnFailure: { Destination: { 'Fn::GetAtt': ['Failed', 'Arn'] } },
          },
        },
      },
    });
    expect(loaderWarnings).toEqual([]);
    expect(definitions.warnings).toEqual([]);
    expect(definitions.functions[0]?.asyncConfig).toEqual({
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:App-Dead',
      maximumRetryAttempts: 1,
      maximumEventAgeSeconds: 3600,
      onSuccess: 'arn:aws:sqs:us-east-1:000000000000:App-Ok',
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:App-Failed',
    });
  });

  it("reads an SQS mapping's FilterCriteria (a pattern as text or as an object), and leaves one with a pattern Lambda refuses not run, warning", () => {
    const mapping = (Pattern: unknown) => eventSourceMapping('Q', 'Fn', { FilterCriteria: { Filters: [{ Pattern }] } });
    const { definitions } = definitionsOf({
      Q: queue,
      Fn: fn(),
      Text: mapping('{"body":{"kind":["order"]}}'),
      Object: mapping({ body: { kind: ['order'] } }),
      Refused: mapping('{"body":"order"}'),
    });
    const [text, object, refused] = definitions.sqsMappings;
    expect(text?.filters).toEqual(['{"body":{"kind":["order"]}}']);
    expect(object?.filters).toEqual(['{"body":{"kind":["order"]}}']);
    expect(refused?.refusal).toBe('InvalidParameterValueException: Invalid filter pattern definition.');
    expect(definitions.warnings).toEqual([
      expect.stringContaining('App/Refused (AWS::Lambda::EventSourceMapping): Lambda refuses its FilterCriteria'),
    ]);
  });

  it('fails if an EventInvokeConfig value is outside what Lambda accepts, warning and keeping the default', () => {
    const { definitions } = definitionsOf({
      Fn: fn(),
      FnConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: { Ref: 'Fn' }, Qualifier: '$LATEST', MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 30 },
      },
    });
    expect(definitions.functions[0]?.asyncConfig).toMatchObject({ maximumRetryAttempts: undefined, maximumEventAgeSeconds: undefined });
    expect(definitions.warnings).toEqual([
      expect.stringContaining('MaximumRetryAttempts is 5; Lambda accepts a whole number from 0 to 2'),
      expect.stringContaining('MaximumEventAgeInSeconds is 30; Lambda accepts a whole number from 60 to 21600'),
    ]);
  });

  it("gives a function the folders of its layers, and the others (published layers' ARNs) with their place in Layers", () => {
    const { definitions, assemblyDir } = definitionsOf({
      Layer: {
        Type: 'AWS::Lambda::LayerVersion',
        Properties: { Content: { S3Bucket: 'b', S3Key: 'layer.zip' }, CompatibleRuntimes: ['nodejs24.x'] },
        Metadata: { 'aws:asset:path': 'asset.layer', 'aws:asset:property': 'Content' },
      },
      Fn: fn({ Layers: [{ Ref: 'Layer' }, 'arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:40'] }),
    });
    expect(definitions.functions[0]?.layers).toEqual([path.join(assemblyDir, 'asset.layer')]);
    expect(definitions.functions[0]?.publicLayers).toEqual([
      { arn: 'arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:40', position: 1 },
    ]);
    // Said at start-up, with what each is locally (public-layers.test.ts).
    expect(definitions.warnings).toEqual([]);
  });

  it("writes a Node.js function's inline code (Code.ZipFile) to index.js, as Lambda does", () => {
    // Unique per run: the folder is named by the code, and must not be one an earlier run left.
    const source = `exports.handler = async () => "inline ${randomUUID()}";`;
    const { definitions } = definitionsOf({
      Inline: inlineFunction(source),
    });
    const codePath = definitions.functions[0]?.codePath ?? '';
    expect(readFileSync(path.join(codePath, 'index.js'), 'utf8')).toBe(source);
    expect(definitions.warnings).toEqual([]);
  });

  it('fails if a function has neither a code asset nor Node.js inline code, leaving it out with a warning', () => {
    const { definitions } = definitionsOf({
      Image: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image', Code: { ImageUri: 'repo:tag' } } },
    });
    expect(definitions.functions).toEqual([]);
    expect(definitions.warnings).toEqual([expect.stringContaining('Image (AWS::Lambda::Function): no code asset folder was found')]);
  });

  it('warns once about functions on another Node.js version and about each function of a language that does not run', () => {
    const { definitions } = definitionsOf({
      Old: fn({ Runtime: 'nodejs20.x' }),
      Older: fn({ Runtime: 'nodejs18.x' }),
      Custom: fn({ Runtime: 'provided.al2023', Handler: 'bootstrap' }),
    });
    expect(definitions.warnings).toEqual([
      expect.stringMatching(/^functions App-Old \(nodejs20\.x\), App-Older \(nodejs18\.x\) declare another Node\.js runtime/),
      'function App-Custom (provided.al2023): only Node.js and Python functions run locally; its invocations fail with InvalidRuntimeException',
    ]);
    expect(definitions.functions.map((f) => f.name)).toEqual(['App-Old', 'App-Older', 'App-Custom']);
  });

  it("warns once about Python functions on another Python than the machine's, naming it", () => {
    const python = localPython();
    const other = python?.version === '3.13' ? 'python3.12' : 'python3.13';
    const { definitions } = definitionsOf({
      Py: fn({ Runtime: other, Handler: 'app.handler' }),
      Same: fn({ Runtime: `python${python?.version}`, Handler: 'app.handler' }),
    });
    expect(definitions.warnings).toEqual(
      python
        ? [
            expect.stringMatching(
              new RegExp(
                `^functions App-Py \\(${other.replace('.', '\\.')}\\) declare another Python runtime than this machine's Python ${python.version} \\(`,
              ),
            ),
          ]
        : [expect.stringContaining('none was found'), expect.stringContaining('none was found')],
    );
  });

  it('fails if there is no Python to run Python functions on: they are named at start-up', () => {
    const command = process.env.SWITCHYARD_PYTHON;
    process.env.SWITCHYARD_PYTHON = '/nonexistent/python3';
    try {
      const { definitions } = definitionsOf({ Py: fn({ Runtime: 'python3.13', Handler: 'app.handler' }) });
      expect(definitions.warnings).toEqual([
        "function App-Py (python3.13): Python functions run locally on the machine's python3, and " +
          'SWITCHYARD_PYTHON=/nonexistent/python3 does not run as a Python 3; its invocations fail with InvalidRuntimeException',
      ]);
    } finally {
      if (command === undefined) delete process.env.SWITCHYARD_PYTHON;
      else process.env.SWITCHYARD_PYTHON = command;
    }
  });
});
