import type { Clients } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { type StoppedExecution, type StopReason, stopDurableExecution, stopStateMachineExecution } from '../../inspect/stop.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import type { Command } from './command.js';
import { loadAnyExecution } from './execution.js';

export const HELP = `Usage: switchyard stop <execution> [--error <code>] [--cause <text>] [--flow <name>]

Stops a running execution: a Step Functions execution with StopExecution (it ends ABORTED),
a Lambda durable execution with StopDurableExecution (it ends STOPPED), in AWS as locally.
What it was doing stops where it is: a step under way is not undone. An execution that has
already ended is left as it is and said so; stopping twice does what stopping once did.

  <execution>         its ARN, its name, or what it is about (the business key executions
                      shows, OrderPlaced#orderId="O-1", or the id alone, O-1), as switchyard
                      execution takes it (looked up in the app's flows, then its durable
                      functions)
  --error <code>      the error the execution ends with (at most 256 characters)
  --cause <text>      why (at most 32,768 characters)
  --flow <name>       the flow to look the name up in, when several have it

${GLOBAL_HELP}`;

const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export const stop: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { error: { type: 'string' }, cause: { type: 'string' }, flow: { type: 'string' } });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1) throw usageError('stop takes one <execution>: switchyard stop <name|arn>');
  if ((values.error?.length ?? 0) > MAX_ERROR) throw usageError(`--error is at most ${MAX_ERROR} characters (got ${values.error?.length})`);
  if ((values.cause?.length ?? 0) > MAX_CAUSE) throw usageError(`--cause is at most ${MAX_CAUSE} characters (got ${values.cause?.length})`);
  const wanted = String(positionals[0]);
  const clients = io.clients(values);
  const stopped = await stopOne(
    clients,
    wanted,
    { error: values.error, cause: values.cause, flow: values.flow, cdkOut: values['cdk-out'] },
    io.err,
  );
  if (values.json) return io.out(JSON.stringify(stopped));
  io.out(
    stopped.stopped
      ? `stopped ${stopped.name} (${stopped.kind}): ${stopped.executionArn}`
      : `${stopped.name} had already ended ${stopped.status}: nothing to stop (${stopped.executionArn})`,
  );
};

async function stopOne(
  clients: Clients,
  wanted: string,
  options: StopReason & { flow?: string; cdkOut?: string },
  note: (line: string) => void,
): Promise<StoppedExecution> {
  if (wanted.includes(':express:'))
    throw new CliError(`cannot stop ${wanted}: Step Functions stops Standard executions only (StopExecution)`);
  const found = await loadAnyExecution(clients, wanted, options, note);
  return found.kind === 'durable function'
    ? stopDurableExecution(clients, found.execution, options)
    : stopStateMachineExecution(clients, found.described, options);
}
