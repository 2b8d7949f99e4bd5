import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import { powertoolsPythonRelease, publicLayer } from '../../../local/lambda/runtime/public-layers/catalogue.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { writeAssembly } from '../assembly.js';
import { disposableData } from '../helpers.js';
import { assetFunction } from '../template-resources.js';

const V3 = (version: number, arch = 'x86_64') =>
  `arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-${arch}:${version}`;

describe('publicLayer of Powertools for AWS Lambda (Python)', () => {
  it('knows each V3 and V2 layer version, either architecture, by the release it was published with', () => {
    expect(publicLayer(V3(2))).toMatchObject({ kind: 'powertools-python', release: { version: '3.1.0', newerThanKnown: false } });
    expect(publicLayer(V3(1, 'arm64'))).toMatchObject({ release: { version: '3.0.0' } });
    expect(publicLayer('arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:62')).toMatchObject({
      release: { version: '2.33.1' },
    });
    expect(publicLayer('arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2-Arm64:63')).toMatchObject({
      release: { version: '2.33.1' },
    });
  });

  it('takes the newest release known for a layer version newer than the table, and says so', () => {
    expect(powertoolsPythonRelease('V3', 27)).toEqual({ version: '3.2.0', newerThanKnown: true });
  });

  it('fails if the name is from another account: no public layer it knows', () => {
    expect(publicLayer('arn:aws:lambda:us-east-1:111122223333:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:2')).toBeUndefined();
  });
});

const machine = localPython();
if (!machine) console.warn('Powertools for AWS Lambda (Python) layers: skipped, no python3 to run their functions on');

const HANDLER = `import aws_lambda_powertools

def handler(event, context):
    return aws_lambda_powertools.__version__
`;

/**
 * A Python whose aws-lambda-powertools is `version` (a venv holding a stand-in package with its
 * distribution metadata): what the runtime finds on a machine where it was pip-installed.
 */
function pythonWithPowertools(root: string, version: string): string {
  const venv = path.join(root, 'venv');
  execFileSync(localPython.command(), ['-m', 'venv', '--without-pip', venv]);
  const lib = path.join(venv, 'lib');
  const site = path.join(lib, readdirSync(lib)[0] as string, 'site-packages');
  mkdirSync(path.join(site, 'aws_lambda_powertools'), { recursive: true });
  writeFileSync(path.join(site, 'aws_lambda_powertools', '__init__.py'), `__version__ = "${version}"\n`);
  mkdirSync(path.join(site, `aws_lambda_powertools-${version}.dist-info`));
  writeFileSync(
    path.join(site, `aws_lambda_powertools-${version}.dist-info`, 'METADATA'),
    `Metadata-Version: 2.1\nName: aws-lambda-powertools\nVersion: ${version}\n`,
  );
  return path.join(venv, 'bin', 'python3');
}

describe.skipIf(!machine)('Powertools for AWS Lambda (Python) layers', () => {
  let dir: string;
  let runtime: LocalRuntime;
  const before = process.env.SWITCHYARD_PYTHON;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchyard-powertools-python-'));
    process.env.SWITCHYARD_PYTHON = pythonWithPowertools(dir, '3.1.0');
    mkdirSync(path.join(dir, 'cdk.out', 'asset.app'), { recursive: true });
    writeFileSync(path.join(dir, 'cdk.out', 'asset.app', 'index.py'), HANDLER);
    const fn = (name: string, layer: string) => assetFunction(name, 'asset.app', { Runtime: 'python3.12', Layers: [layer] });
    const cdkOut = writeAssembly(path.join(dir, 'cdk.out'), {
      Stack: { template: { Resources: { Matched: fn('matched', V3(2)), Other: fn('other', V3(3)) } } },
    });
    runtime = await LocalRuntime.start({
      cdkOut,
      ...disposableData(),
      port: 0,
      log: () => {},
      sdk: { cache: path.join(dir, 'cache'), fetch: false },
    });
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    if (before === undefined) delete process.env.SWITCHYARD_PYTHON;
    else process.env.SWITCHYARD_PYTHON = before;
    rmSync(dir, { recursive: true, force: true });
  });

  it("provides the layer with the machine's Python's aws-lambda-powertools when it is the layer version's release", async () => {
    const outcome = await runtime.lambda.invoke('matched', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toBe('3.1.0');
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /^ {2}function matched: layer AWSLambdaPowertoolsPythonV3-python312-x86_64:2: Powertools for AWS Lambda \(Python\) 3\.1\.0, from the machine's Python/,
      ),
    );
  });

  it('fails if the machine has another release: named at start-up as not provided, its import failing as a missing module does in Lambda', async () => {
    const outcome = await runtime.lambda.invoke('other', {});
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Unable to import module 'index': No module named 'aws_lambda_powertools'",
    });
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /^ {2}function other: layer AWSLambdaPowertoolsPythonV3-python312-x86_64:3: Powertools for AWS Lambda \(Python\) 3\.2\.0: not provided \(.* has aws-lambda-powertools 3\.1\.0, and its packages are not fetched from PyPI\): a function that imports aws_lambda_powertools fails its init with Runtime\.ImportModuleError$/,
      ),
    );
  });
});
