import { existsSync } from 'node:fs';
import { AwsCliSession } from './aws-cli-session.js';

/** Debian's AWS CLI v2, which still speaks SQS's query protocol (the pyenv `aws` on PATH is v1 and speaks JSON). */
export const AWS_CLI = '/usr/bin/aws';
/** CI installs it (.ci/run); elsewhere the tests that need it skip. */
export const awsCliMissing = !existsSync(AWS_CLI) && !process.env.CI;
export const AWS_CLI_SKIP_REASON = `${AWS_CLI} is not installed (Debian package awscli); CI installs it and runs these tests`;

/** The test file's one CLI process (see AwsCliSession), started by its first command. */
let session: AwsCliSession | undefined;

/**
 * Runs the real AWS CLI against `endpoint` and parses its JSON output. Asynchronous: the
 * endpoint under test answers from this same process. Rejects with an AwsCliError, whose
 * message and `stderr` hold what the CLI printed, when the command fails.
 */
export async function awsCli(endpoint: string, args: string[]): Promise<unknown> {
  if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing, but CI is set: CI must install Debian's awscli (see .ci/run)`);
  session ??= new AwsCliSession(AWS_CLI, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_PAGER: '',
    // A developer's own CLI settings (cli_binary_format, profiles) must not change what is sent.
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  });
  const { stdout } = await session.run(['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args]);
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}
