import { shellQuote } from '../../service-registry/report-lines.js';
import type { FunctionDefinition } from '../runtime/function-runtime.js';
import { durableSettings } from './durable-executions.js';

/**
 * A durable function's name as a command line names it: qualified (Lambda refuses to invoke a
 * durable function by an unqualified name), quoted so that the shell leaves `$LATEST` as it is.
 */
export function durableInvokeName(fn: FunctionDefinition): string | undefined {
  return durableSettings(fn) === undefined ? undefined : shellQuote(`${fn.name}:$LATEST`);
}

/**
 * The start-up report's lines for the app's durable functions: each with its
 * DurableConfig and how to start an execution (qualified, as Lambda requires), then what
 * differs from AWS.
 */
export function durableFunctionLines(functions: readonly FunctionDefinition[], url: string): string[] {
  const durable = functions.flatMap((fn) => {
    const settings = durableSettings(fn);
    return settings ? [{ fn, settings }] : [];
  });
  if (durable.length === 0) return [];
  return [
    ...durable.map(
      ({ fn, settings }) =>
        `  durable function ${fn.name}: execution timeout ${settings.executionTimeoutSeconds} s, retention ${settings.retentionDays} days; ` +
        `start: aws --endpoint-url ${url} lambda invoke --function-name ${shellQuote(`${fn.name}:$LATEST`)} --invocation-type Event --durable-execution-name <name> --payload '{}' /dev/null`,
    ),
    '  durable executions: kept in the data folder and resumed after a restart; differs from AWS: an invocation that errors is retried 3 times (1, 2, 4 s) ' +
      'before the execution fails, timers are checked every second, KMS encryption of the state is not applied',
  ];
}
