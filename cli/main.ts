import { readFileSync } from 'node:fs';
import { withAssemblyNotices } from '../inspect/assembly.js';
import { type Clients, createClients, resolveTarget, type TargetOptions } from '../inspect/aws.js';
import { CliError } from '../inspect/errors.js';
import { GLOBAL_HELP } from './args.js';
import type { Command, CommandIo } from './commands/command.js';

/**
 * Every command, with the one line `switchyard --help` shows for it. A command's module is
 * imported only when that command runs: the modules bring their AWS SDK clients and their
 * own code, which all together were most of every command's start (docs/cli.md, "How fast
 * a command answers"), and `--help` needs none of them.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  dev: {
    load: async () => (await import('./commands/dev.js')).dev,
    summary: 'run the CDK app of this folder locally and reload it as you edit it (synth, runtime, watch)',
  },
  send: {
    load: async () => (await import('./commands/send.js')).send,
    summary: 'validate an event against its contract and put it on the bus',
  },
  executions: { load: async () => (await import('./commands/executions.js')).executions, summary: "list the app's workflow executions" },
  execution: {
    load: async () => (await import('./commands/execution.js')).execution,
    summary: 'one execution, state by state: durations, retries, catches, input and output',
  },
  durable: {
    load: async () => (await import('./commands/durable.js')).durable,
    summary: "the app's Lambda durable executions: list, one as a timeline, approve or refuse a callback",
  },
  watch: {
    load: async () => (await import('./commands/watch.js')).watch,
    summary: 'follow one execution live, state by state; exits with its outcome',
  },
  escalations: {
    load: async () => (await import('./commands/escalations.js')).escalations,
    summary: 'open human tasks: what each is about, the fields its policy shows, and the SLA',
  },
  approve: {
    load: async () => (await import('./commands/decide.js')).approve,
    summary: 'approve an open escalation (by its subject, a ticket id say, or execution)',
  },
  reject: { load: async () => (await import('./commands/decide.js')).reject, summary: "reject an open escalation's suggestion" },
  trace: {
    load: async () => (await import('./commands/trace.js')).trace,
    summary: 'the lineage of one event or business id: rules, messages, invocations with their logs, executions',
  },
  init: {
    load: async () => (await import('./commands/init.js')).init,
    summary: 'create a CDK app that uses Switchyard in a new folder: hub, contract, consumer, workflow, tests',
  },
  cost: {
    load: async () => (await import('./commands/cost.js')).cost,
    summary: 'estimated monthly AWS cost of the synthesized app, per service',
  },
  flow: {
    load: async () => (await import('./commands/flow.js')).flow,
    summary: 'keyed flow control now: per key in flight, held back, rate, debounce, pauses; token budgets; fair queues',
  },
  pause: {
    load: async () => (await import('./commands/pause.js')).pause,
    summary: "stop a flow's, function's or queue's consumers taking messages; events wait in their queues",
  },
  resume: {
    load: async () => (await import('./commands/pause.js')).resume,
    summary: 'undo pause: the consumers take messages again, each waiting message once',
  },
  failures: {
    load: async () => (await import('./commands/failures.js')).failures,
    summary: 'everything that failed, newest first: dead-lettered messages and failed executions, with reasons',
  },
  fork: {
    load: async () => (await import('./commands/fork.js')).fork,
    summary: 'rerun an execution from one of its states, with its recorded input or an edit of it',
  },
  stop: {
    load: async () => (await import('./commands/stop.js')).stop,
    summary: 'stop a running execution (Step Functions or Lambda durable)',
  },
  redrive: {
    load: async () => (await import('./commands/redrive.js')).redrive,
    summary: 'send failed messages back to their queue (all, or --ids) and redrive failed executions',
  },
  mcp: {
    load: async () => (await import('./commands/mcp.js')).mcp,
    summary: 'serve the app to a coding agent over MCP (stdio): typed tools over these commands, read-only on AWS unless --allow-writes',
  },
  iam: {
    load: async () => (await import('./commands/iam.js')).iam,
    summary: 'IAM in the local run: requests AWS would refuse, and per role used, missing, unused and wildcard grants',
  },
  mail: {
    load: async () => (await import('./commands/mail.js')).mail,
    summary: 'the mail the local SES sent: list it, read one with its links, verify an address',
  },
  users: {
    load: async () => (await import('./commands/users.js')).users,
    summary: 'a user of a local Cognito user pool and its tokens: create one (password, groups), or sign one in',
  },
  replay: {
    load: async () => (await import('./commands/replay.js')).replay,
    summary: 'replay archived events; --policy tells consumers to reprocess, skip or dry-run them',
  },
  rebuild: {
    load: async () => (await import('./commands/rebuild.js')).rebuild,
    summary: "empty a read model's table and fold the archive into it again, through its projector alone",
  },
};

const HELP = `Usage: switchyard <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run switchyard <command> --help for a command's options; switchyard --version prints the version.

${GLOBAL_HELP}

Exit status: 0 done, 1 failed (the target refused, not found, unreachable), 2 bad input.`;

export async function main(argv: readonly string[], io: Omit<CommandIo, 'clients'> = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    // Read only here: init's module is small, and the other commands need none of it.
    const { manifest } = (await import('./commands/init.js')).ownPackage();
    io.out(`${manifest.name ?? 'switchyard-cli'} ${manifest.version ?? 'unknown'}`);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new CliError(`unknown command "${name}": the commands are ${Object.keys(COMMANDS).join(', ')}`, 2);
    let clients: Clients | undefined;
    const run = await command.load();
    // Which assembly the command reads is said once on stderr when it is not the source's (the source does not synthesize).
    await withAssemblyNotices(io.err, () =>
      run(rest, { ...io, clients: (options: TargetOptions) => (clients ??= createClients(resolveTarget(options))) }),
    );
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`switchyard ${name}: ${error.message}`);
      return error.exitCode;
    }
    io.err(`switchyard ${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

function processIo(): Omit<CommandIo, 'clients'> {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stdin: () => readFileSync(0, 'utf8'),
  };
}

/** Runs the command line of this process and sets its exit status. */
export async function runCli(): Promise<void> {
  // Output piped into `head` closes early: stop quietly, as other command-line tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}

if (process.argv[1] !== undefined && /[\\/]cli[\\/]main\.ts$/.test(process.argv[1])) await runCli();
