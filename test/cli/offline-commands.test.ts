import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { runCli } from './run-cli.js';

// These commands read the cloud assembly alone (or nothing): no runtime is started.
let cdkOut: string;

beforeAll(async () => {
  cdkOut = await switchyardAppFolder('switchyard-cli-app-');
}, 180_000);

describe('switchyard cost', () => {
  it('estimates the synthesized app per service and names the most expensive component', async () => {
    const result = await runCli(['cost', '--events-per-month', '1000000', '--escalation-rate', '0.2', '--cdk-out', cdkOut], {
      process: true,
    });
    expect(result.code).toBe(0);
    // The research agents' model calls (Claude through Bedrock) are most of the bill, as they would be in AWS.
    expect(result.stdout).toContain(
      'Most expensive: Bedrock model anthropic.claude-sonnet-4-5-20250929-v1:0 (function ResearchAgentsGraphLargeModel)',
    );
    expect(result.stdout).toContain('Assumptions:');
    const json = JSON.parse((await runCli(['cost', '--json', '--cdk-out', cdkOut])).stdout);
    expect(json.entries).toEqual(['TicketCreated', 'OrderPlaced', 'JobRequested', 'JobApproved', 'JobRejected', 'ResearchRequested']);
    expect(json.byService.map((s: { service: string }) => s.service).sort()).toEqual(
      ['Bedrock', 'CloudWatch Logs', 'DynamoDB', 'EventBridge', 'Lambda', 'SQS', 'Step Functions'].sort(),
    );
  });

  it('fails if an option is out of range or unknown', async () => {
    const rate = await runCli(['cost', '--escalation-rate', '1.5', '--cdk-out', cdkOut]);
    expect(rate.code).toBe(2);
    expect(rate.stderr.trim()).toBe('switchyard cost: --escalation-rate must be a number from 0 to 1 (got "1.5")');
    const unknown = await runCli(['cost', '--events', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--events'");
  });

  it('fails if there is no cloud assembly, saying how to make one', async () => {
    const result = await runCli(['cost', '--cdk-out', '/nonexistent/cdk.out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no cloud assembly at /nonexistent/cdk.out: run npx cdk synth');
  });
});

describe('switchyard send without a contract', () => {
  it('fails if there is no cloud assembly to validate against, saying how to send anyway', async () => {
    const result = await runCli(['send', 'OrderPlaced', '--detail', '{}', '--cdk-out', '/nonexistent/cdk.out']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'switchyard send: no cloud assembly at /nonexistent/cdk.out to find the contract of OrderPlaced in: run npx cdk synth (npx switchyard dev does too), or pass --cdk-out <dir>; --no-validate sends it unchecked',
    );
  });

  it('fails if --no-validate has no source to take, or a detail that is not an object', async () => {
    const noSource = await runCli(['send', 'Anything', '--detail', '{}', '--no-validate', '--cdk-out', cdkOut]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr.trim()).toBe('switchyard send: --source is required: the app has no contract for Anything to take it from');
    const notObject = await runCli(['send', 'Anything', '--detail', '[1]', '--no-validate', '--source', 's', '--cdk-out', cdkOut]);
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toContain('--detail must be a JSON object');
  });

  it("lists the app's contracts in its help, from the assembly", async () => {
    const { stdout } = await runCli(['send', '--help', '--cdk-out', cdkOut]);
    expect(stdout).toMatch(/The app's contracts \(.*\): TicketCreated, TicketEscalated, /);
  });
});

describe('switchyard --version', () => {
  it("prints the package's name and version, as --version, -v and version", async () => {
    const { name, version } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    for (const flag of ['--version', '-v', 'version']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(`${name} ${version}`);
    }
  });
});

describe('switchyard --help', () => {
  it('prints the usage of every command', async () => {
    const commands = ['send', 'executions', 'execution', 'watch', 'escalations', 'approve', 'reject', 'cost'];
    const results = await Promise.all(commands.map((command) => runCli([command, '--help'])));
    results.forEach((result, i) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: switchyard ${commands[i]}`));
    });
  });
});
