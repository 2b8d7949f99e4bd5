import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaunchError, launchRuntime, launchSettings, runtimeHelp, runtimeOptions } from '../../../local/launcher.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { eventually, tempDataDir } from '../helpers.js';
import { Sha256 } from '../sha256.js';
import { inlinePolicy, serviceRole, stateMachine } from '../template-resources.js';
import { acmModule } from './fixtures/acm/module.js';

const ROLE = 'arn:aws:iam::000000000000:role/certificate-reader';
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:describe-certificate';
const TASK = 'arn:aws:states:::aws-sdk:acm:describeCertificate';

/** A role `service` may assume that may describe only the first certificate (granted on its Ref). */
function describingRole(RoleName: string, service: string) {
  return serviceRole(service, {
    RoleName,
    Policies: [inlinePolicy('describe', { Action: 'acm:DescribeCertificate', Resource: { Ref: 'Shop' } })],
  });
}

/**
 * An app with two certificates, a role that may describe only the first, and a state
 * machine whose role may too, which describes the certificate its input names.
 */
function writeApp(): string {
  const certificate = (DomainName: string) => ({
    Type: 'AWS::CertificateManager::Certificate',
    Properties: { DomainName, ValidationMethod: 'DNS' },
  });
  const definition = {
    StartAt: 'Describe',
    States: { Describe: { Type: 'Task', Resource: TASK, Parameters: { 'CertificateArn.$': '$.arn' }, End: true } },
  };
  return writeAssembly(tempAssemblyDir(), {
    Certificates: {
      template: {
        Resources: {
          Shop: certificate('shop.example.com'),
          Admin: certificate('admin.example.com'),
          Reader: describingRole('certificate-reader', 'lambda.amazonaws.com'),
          FlowRole: describingRole('certificate-flow', 'states.amazonaws.com'),
          Flow: stateMachine(definition, { StateMachineName: 'describe-certificate', RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] } }),
        },
        Outputs: { Shop: { Value: { Ref: 'Shop' } }, Admin: { Value: { Ref: 'Admin' } } },
      },
    },
  });
}

const folders: string[] = [];
let runtime: LocalRuntime | undefined;
const report: string[] = [];
const warnings: string[] = [];

/** The command line's values as a launcher parses them (parseArgs, strict) for these services' options. */
function commandLine(modules: typeof SERVICE_MODULES, args: readonly string[]) {
  return parseArgs({ args: ['--port', '0', '--iam', 'enforce', ...args], options: runtimeOptions(modules), strict: true }).values;
}

/** Starts the app as `switchyard dev` does (its command line parsed, launchRuntime: the runtime and its start-up report), with these services. */
async function launch(modules: typeof SERVICE_MODULES, args: readonly string[] = []): Promise<LocalRuntime> {
  const cdkOut = writeApp();
  const dataDir = tempDataDir();
  folders.push(cdkOut, dataDir);
  report.length = 0;
  warnings.length = 0;
  return launchRuntime({
    cdkOut,
    dataDir,
    settings: launchSettings(commandLine(modules, args), modules),
    root: dataDir,
    started: performance.now(),
    modules,
    out: (line) => report.push(...line.split('\n')),
    warn: (line) => warnings.push(line),
    log: () => {},
  });
}

/** Calls ACM's DescribeCertificate on the endpoint as the reader role's session signs it (AWS JSON 1.1). */
async function describeCertificate(running: LocalRuntime, CertificateArn: string) {
  const url = new URL(running.url);
  const signer = new SignatureV4({
    service: 'acm',
    region: 'us-east-1',
    credentials: running.iam.principals.credentialsFor(ROLE, 'test'),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CertificateManager.DescribeCertificate',
    },
    body: JSON.stringify({ CertificateArn }),
  });
  const response = await fetch(running.url, { method: 'POST', headers: signed.headers, body: signed.body as string });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs the state machine on a certificate (its role's calls under IAM), and waits for the execution's end. */
async function describeInStateMachine(running: LocalRuntime, arn: string) {
  const { executionArn } = await running.states.StartExecution({ stateMachineArn: MACHINE, input: JSON.stringify({ arn }) });
  return eventually(async () => {
    const execution = await running.states.DescribeExecution({ executionArn });
    return execution.status === 'RUNNING' ? undefined : execution;
  });
}

/** The certificates' ARNs, as the loader resolved the template's `Ref`s (its outputs). */
function certificateArns(running: LocalRuntime) {
  const [stack] = running.template.app.stacks;
  return { shop: stack?.outputs.Shop ?? '', admin: stack?.outputs.Admin ?? '' };
}

afterAll(async () => {
  await runtime?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A read-API path's answer. */
async function read(running: LocalRuntime, path: string) {
  const response = await fetch(`${running.url}/_switchyard/v1${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a new service: its folder and one line of registration', () => {
  const modules = [...SERVICE_MODULES, acmModule];
  let started = 0;
  beforeAll(async () => {
    started = Date.now();
    // The one line: the test's own module beside the runtime's (and its option on the command line).
    runtime = await launch(modules, ['--acm-validity-days', '30']);
  });

  it('takes its option as the launcher takes every service option: in --help, from its environment variable, checked', () => {
    expect(runtimeHelp(modules)).toContain('  --acm-validity-days N\n              how many days a certificate is valid for');
    expect(runtimeOptions(modules, { SWITCHYARD_ACM_VALIDITY_DAYS: '90' })['acm-validity-days']).toEqual({ type: 'string', default: '90' });
    expect(launchSettings({ 'acm-validity-days': '90' }, modules).acmValidityDays).toBe(90);
  });

  it('fails if its option is given a value it refuses, with its reason', () => {
    expect(() => launchSettings({ 'acm-validity-days': 'soon' }, modules)).toThrow(
      new LaunchError('--acm-validity-days is "soon"; it must be a whole number of days from 1 to 825'),
    );
  });

  it('serves its read-API route, its service reading its own option (certificates valid for the 30 days given)', async () => {
    const answer = await read(runtime as LocalRuntime, '/certificates');
    expect(answer.status).toBe(200);
    const certificates = answer.body.certificates as { domainName: string; status: string; notAfter: string }[];
    expect(certificates.map((c) => [c.domainName, c.status])).toEqual([
      ['shop.example.com', 'ISSUED'],
      ['admin.example.com', 'ISSUED'],
    ]);
    for (const { notAfter } of certificates) {
      const days = (Date.parse(notAfter) - started) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(30);
      expect(days).toBeLessThan(30.01);
    }
  });

  it("names its route among the read API's paths when a path is unknown", async () => {
    const answer = await read(runtime as LocalRuntime, '/nothing-here');
    expect(answer.status).toBe(404);
    expect(String(answer.body.message)).toMatch(/it serves .*\/_switchyard\/v1\/certificates$/);
  });

  it("deploys the template's resources of its type, their Ref given by its spec", () => {
    const { shop, admin } = certificateArns(runtime as LocalRuntime);
    expect(shop).toMatch(/^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);
    expect(admin).toMatch(/^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);
    expect(shop).not.toBe(admin);
    expect(warnings.filter((line) => line.includes('CertificateManager'))).toEqual([]);
  });

  it('serves its operation on the endpoint, under IAM: the granted certificate is described', async () => {
    const { shop } = certificateArns(runtime as LocalRuntime);
    const answer = await describeCertificate(runtime as LocalRuntime, shop);
    expect(answer).toEqual({
      status: 200,
      body: { Certificate: { CertificateArn: shop, DomainName: 'shop.example.com', Status: 'ISSUED' } },
    });
  });

  it('fails if the role is not granted the certificate, with the AccessDenied its IAM declaration gives', async () => {
    const { admin } = certificateArns(runtime as LocalRuntime);
    const answer = await describeCertificate(runtime as LocalRuntime, admin);
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toMatch(/AccessDeniedException$/);
    expect(String(answer.body.message ?? answer.body.Message)).toContain(
      `is not authorized to perform: acm:DescribeCertificate on resource: ${admin}`,
    );
  });

  it('runs its Step Functions integration as the state machine role: the granted certificate is described', async () => {
    const { shop } = certificateArns(runtime as LocalRuntime);
    const execution = await describeInStateMachine(runtime as LocalRuntime, shop);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(String(execution.output))).toEqual({
      Certificate: { CertificateArn: shop, DomainName: 'shop.example.com', Status: 'ISSUED' },
    });
    expect(warnings.filter((line) => line.includes(TASK))).toEqual([]);
  });

  it('fails if the state machine role is not granted the certificate, with the error its declarations give', async () => {
    const { admin } = certificateArns(runtime as LocalRuntime);
    const execution = await describeInStateMachine(runtime as LocalRuntime, admin);
    expect(execution.status).toBe('FAILED');
    // Its AWS SDK integration's error prefix and base exception, the status its IAM declaration's AccessDenied answers.
    expect(execution.error).toBe('Acm.AcmException');
    expect(execution.cause).toMatch(
      new RegExp(
        `^User: arn:aws:sts::000000000000:assumed-role/certificate-flow/[^ ]+ is not authorized to perform: acm:DescribeCertificate on resource: ${admin} .* \\(Service: Acm, Status Code: 400, Request ID: [0-9a-f-]{36}\\) \\(SDK Attempt Count: 1\\)$`,
      ),
    );
  });

  it('says in the start-up report what its module says of it', () => {
    expect(report).toContain('  certificates: shop.example.com (issued), admin.example.com (issued)');
  });
});

describe('the same app without the registration line', () => {
  let without: LocalRuntime | undefined;
  afterAll(async () => {
    await without?.stop();
  });

  it('fails to run the type, serve the operation or report the service', async () => {
    await runtime?.stop();
    runtime = undefined;
    without = await launch(SERVICE_MODULES);
    expect(warnings.join('\n')).toContain('Certificates/Shop (AWS::CertificateManager::Certificate): resource type not supported locally');
    const answer = await describeCertificate(without, 'arn:aws:acm:us-east-1:000000000000:certificate/x');
    expect(answer).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    expect(report.join('\n')).not.toContain('certificates:');
    expect(warnings.join('\n')).toContain(`state "Describe": ${TASK} cannot run locally (the local runtime does not host acm)`);
    expect((await read(without, '/certificates')).status).toBe(404);
    expect(() => commandLine(SERVICE_MODULES, ['--acm-validity-days', '30'])).toThrow(/Unknown option '--acm-validity-days'/);
  });
});
