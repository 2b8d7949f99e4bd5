import { SendDurableExecutionCallbackFailureCommand, SendDurableExecutionCallbackSuccessCommand } from '@aws-sdk/client-lambda';
import {
  type DurableError,
  type DurableOperationView,
  durableOperations,
  durableOutcome,
  waitingCallbacks,
} from '../../clients/durable-timeline.js';
import { DURABLE_EXECUTION_STATUSES, isStatusOf } from '../../clients/execution-statuses.js';
import { duration, table, time, truncate } from '../../clients/format.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import {
  type DurableDetail,
  durableFunctions,
  listDurableExecutions,
  loadDurableExecution,
  selectDurableFunctions,
} from '../../inspect/durable.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { executionNamesAbout } from '../../inspect/execution-names.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import type { Command, CommandIo } from './command.js';

export const HELP = `Usage: switchyard durable [--function <name>] [--status <status>] [--limit <n>]
       switchyard durable <name|arn> [--function <name>]
       switchyard durable approve <callback-id> [--result <json>]
       switchyard durable refuse <callback-id> [--error <type>] [--reason <text>]

The executions of the app's Lambda durable functions (functions with DurableConfig),
through Lambda's API, so it reads AWS as it reads the local runtime. Apart from
\`switchyard executions\`, which lists state machines' executions: a durable execution
belongs to a function version, its ARN, statuses and history are Lambda's, not Step
Functions'.

  (no argument)       list them, newest first (ListDurableExecutionsByFunction)
  <name|arn>          one execution, by its ARN, its name or the business key a starter
                      named it after (OrderPlaced#orderId="O-1"; GetDurableExecution,
                      GetDurableExecutionHistory): its operations in the order they started (steps with their result and every
                      retried try, waits with when they end, callbacks with their ids), and
                      its status, result or error
  approve <id>        answer a waiting callback (SendDurableExecutionCallbackSuccess) with
                      --result (JSON, default {"approved":true})
  refuse <id>         fail it (SendDurableExecutionCallbackFailure) with --error (default
                      Refused) and --reason

  --function <name>   one durable function: its name in the app or deployed
  --status <status>   ${DURABLE_EXECUTION_STATUSES.join(', ')}
  --limit <n>         at most n executions (default 20, at most 1,000)

${GLOBAL_HELP}`;

const OPTIONS = {
  function: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  result: { type: 'string' },
  error: { type: 'string' },
  reason: { type: 'string' },
} as const;

export const durable: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  if (values.help) return io.out(HELP);
  const [first, second, ...extra] = positionals.map(String);
  if (first === 'approve' || first === 'refuse') {
    if (second === undefined || extra.length > 0) throw usageError(`${first} takes one <callback-id>: switchyard durable ${first} <id>`);
    return answerCallback(io.clients(values), io, first, second, values);
  }
  if (second !== undefined) throw usageError('durable takes at most one <name|arn>');
  const clients = io.clients(values);
  const functions = selectDurableFunctions(await durableFunctions(clients, values['cdk-out']), values.function);
  if (first !== undefined)
    return show(
      io,
      await loadDurableExecution(clients, functions, first, () => executionNamesAbout(values['cdk-out'], first)),
      values.json === true,
    );
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isStatusOf(DURABLE_EXECUTION_STATUSES, status)) {
    throw usageError(`--status must be one of ${DURABLE_EXECUTION_STATUSES.join(', ')} (got "${values.status}")`);
  }
  const limit = integerOption('limit', values.limit, 20, 1, 1000);
  if (functions.length === 0) return io.out('no durable functions in the app (none has DurableConfig)');
  const rows = await listDurableExecutions(clients, functions, {
    limit,
    ...(status ? { statuses: [status] } : {}),
  });
  if (values.json) return io.out(JSON.stringify(rows, null, 2));
  if (rows.length === 0) {
    return io.out(`no durable executions${status ? ` with status ${status}` : ''} in ${functions.map((f) => f.function).join(', ')}`);
  }
  const now = Date.now();
  io.out(
    table(
      ['FUNCTION', 'NAME', 'STATUS', 'START', 'DURATION'],
      rows.map((e) => {
        const start = e.StartTimestamp?.getTime();
        const took = start === undefined ? '-' : duration((e.EndTimestamp?.getTime() ?? now) - start);
        return [
          e.function,
          e.DurableExecutionName ?? '-',
          e.Status ?? '-',
          time(e.StartTimestamp),
          e.EndTimestamp ? took : `${took} so far`,
        ];
      }),
    ),
  );
};

function show(io: CommandIo, detail: DurableDetail, json: boolean): void {
  const operations = durableOperations(detail.events);
  const waiting = waitingCallbacks(operations);
  if (json) {
    io.out(JSON.stringify({ ...detail, operations, waitingCallbacks: waiting, outcome: durableOutcome(detail.events) }, null, 2));
    return;
  }
  const e = detail.execution;
  const start = e.StartTimestamp?.getTime();
  const took = start === undefined ? '-' : duration((e.EndTimestamp?.getTime() ?? Date.now()) - start);
  io.out(`${e.DurableExecutionName}  ${e.Status}  (durable function ${detail.function ?? e.FunctionArn})`);
  io.out(`  started ${time(e.StartTimestamp)}, ${e.EndTimestamp ? `took ${took}` : `running for ${took}`}`);
  io.out(`  ${e.DurableExecutionArn}`);
  if (e.InputPayload !== undefined) io.out(`  input:  ${truncate(e.InputPayload)}`);
  io.out('');
  io.out(operations.length === 0 ? 'no operations yet' : 'Operations:');
  operations.forEach((op, i) => {
    for (const line of operationLines(op, i)) io.out(line);
  });
  for (const callback of waiting) {
    io.out('');
    io.out(`Waiting at ${callback.label} for callback ${callback.callbackId}`);
    io.out(`  approve: switchyard durable approve '${callback.callbackId}' --result '{"approved":true}'`);
    io.out(`  refuse:  switchyard durable refuse '${callback.callbackId}' --reason '...'`);
  }
  if (e.Error) {
    io.out('');
    io.out(`Failed: ${errorText(e.Error)}`);
  }
  if (e.Result !== undefined) {
    io.out('');
    io.out(`result: ${truncate(e.Result)}`);
  }
}

/** One operation: its line, then each retried try, its wait or callback, and its result or error. */
function operationLines(op: DurableOperationView, index: number): string[] {
  const took =
    op.startedAt && op.endedAt
      ? duration(op.endedAt.getTime() - op.startedAt.getTime())
      : op.startedAt
        ? `${duration(Date.now() - op.startedAt.getTime())} so far`
        : '-';
  const indent = '    '.repeat(op.depth);
  const lines = [
    `${indent}  ${String(index + 1).padStart(2)}. ${op.label}  [${op.kind}${op.subType ? ` ${op.subType}` : ''}]  ${op.status}  ${took}`,
  ];
  const detail = (text: string) => lines.push(`${indent}        ${text}`);
  for (const a of op.failedAttempts) {
    detail(`try ${a.attempt} failed${a.error ? `: ${errorText(a.error)}` : ''}, retried after ${a.retryDelaySeconds}s`);
  }
  if (op.kind === 'Step' && op.attempts > 1 && op.status !== 'RETRYING') detail(`try ${op.attempts} ${op.status.toLowerCase()}`);
  if (op.waitUntil) detail(`until ${time(op.waitUntil)}`);
  if (op.callbackId)
    detail(`callback id: ${op.callbackId}${op.callbackTimeoutSeconds ? ` (times out after ${op.callbackTimeoutSeconds}s)` : ''}`);
  if (op.result !== undefined) detail(`result: ${truncate(op.result, 160)}`);
  if (op.error) detail(`error: ${errorText(op.error)}`);
  return lines;
}

function errorText(error: DurableError): string {
  return `${error.ErrorType ?? 'Error'}${error.ErrorMessage ? `: ${truncate(error.ErrorMessage, 300)}` : ''}`;
}

/** SendDurableExecutionCallbackSuccess or Failure for one callback id. */
async function answerCallback(
  clients: Clients,
  io: CommandIo,
  verb: 'approve' | 'refuse',
  callbackId: string,
  values: { result?: string; error?: string; reason?: string; json?: boolean },
): Promise<void> {
  const result = values.result ?? '{"approved":true}';
  if (verb === 'approve') {
    try {
      JSON.parse(result);
    } catch (error) {
      throw usageError(`--result must be JSON (${(error as Error).message})`);
    }
  }
  const command =
    verb === 'approve'
      ? new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from(result) })
      : new SendDurableExecutionCallbackFailureCommand({
          CallbackId: callbackId,
          Error: { ErrorType: values.error ?? 'Refused', ErrorMessage: values.reason ?? 'refused by an operator' },
        });
  try {
    await clients.lambda.send(command as SendDurableExecutionCallbackSuccessCommand);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ResourceNotFoundException') throw new CliError(`no callback ${callbackId}`);
    if (code === 'CallbackTimeoutException') throw new CliError(`the callback ${callbackId} timed out`);
    if (code === 'InvalidParameterValueException') throw new CliError((error as Error).message);
    await call(clients.target, () => Promise.reject(error));
  }
  if (values.json) return io.out(JSON.stringify({ callbackId, answered: verb === 'approve' ? 'SUCCEEDED' : 'FAILED' }));
  io.out(`${verb === 'approve' ? 'approved' : 'refused'} callback ${callbackId}: the execution resumes`);
}
