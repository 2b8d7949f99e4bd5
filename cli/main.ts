import { readFileSync } from 'node:fs';
import { GLOBAL_HELP } from './args.js';
import { type Clients, createClients, resolveTarget, type TargetOptions } from './aws.js';
import type { Command, CommandIo } from './commands/command.js';
import { cost } from './commands/cost.js';
import { approve, reject } from './commands/decide.js';
import { dev } from './commands/dev.js';
import { durable } from './commands/durable.js';
import { escalations } from './commands/escalations.js';
import { execution } from './commands/execution.js';
import { executions } from './commands/executions.js';
import { failures } from './commands/failures.js';
import { flow } from './commands/flow.js';
import { iam } from './commands/iam.js';
import { init } from './commands/init.js';
import { mail } from './commands/mail.js';
import { rebuild } from './commands/rebuild.js';
import { redrive } from './commands/redrive.js';
import { replay } from './commands/replay.js';
import { send } from './commands/send.js';
import { trace } from './commands/trace.js';
import { watch } from './commands/watch.js';
import { CliError } from './errors.js';

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  dev: { run: dev, summary: 'run the CDK app of this folder locally and reload it as you edit it (synth, runtime, watch)' },
  send: { run: send, summary: 'validate an event against its contract and put it on the bus' },
  executions: { run: executions, summary: "list the app's workflow executions" },
  execution: { run: execution, summary: 'one execution, state by state: durations, retries, catches, input and output' },
  durable: { run: durable, summary: "the app's Lambda durable executions: list, one as a timeline, approve or refuse a callback" },
  watch: { run: watch, summary: 'follow one execution live, state by state; exits with its outcome' },
  escalations: { run: escalations, summary: 'open human tasks: what each is about, the fields its policy shows, and the SLA' },
  approve: { run: approve, summary: 'approve an open escalation (by its subject, a ticket id say, or execution)' },
  reject: { run: reject, summary: "reject an open escalation's suggestion" },
  trace: { run: trace, summary: 'the lineage of one event or business id: rules, messages, invocations with their logs, executions' },
  init: { run: init, summary: 'create a CDK app that uses Switchyard in a new folder: hub, contract, consumer, workflow, tests' },
  cost: { run: cost, summary: 'estimated monthly AWS cost of the synthesized app, per service' },
  flow: { run: flow, summary: 'keyed flow control now: per key in flight, held back, rate, debounce, pauses; token budgets; fair queues' },
  failures: { run: failures, summary: 'everything that failed, newest first: dead-lettered messages and failed executions, with reasons' },
  redrive: { run: redrive, summary: 'send failed messages back to their queue (all, or --ids) and redrive failed executions' },
  iam: { run: iam, summary: 'IAM in the local run: requests AWS would refuse, and per role used, missing, unused and wildcard grants' },
  mail: { run: mail, summary: 'the mail the local SES sent: list it, read one with its links, verify an address' },
  replay: { run: replay, summary: 'replay archived events; --policy tells consumers to reprocess, skip or dry-run them' },
  rebuild: { run: rebuild, summary: "empty a read model's table and fold the archive into it again, through its projector alone" },
};

const HELP = `Usage: switchyard <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run switchyard <command> --help for a command's options.

${GLOBAL_HELP}

Exit status: 0 done, 1 failed (the target refused, not found, unreachable), 2 bad input.`;

export async function main(argv: readonly string[], io: Omit<CommandIo, 'clients'> = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new CliError(`unknown command "${name}": the commands are ${Object.keys(COMMANDS).join(', ')}`, 2);
    let clients: Clients | undefined;
    await command.run(rest, { ...io, clients: (options: TargetOptions) => (clients ??= createClients(resolveTarget(options))) });
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
