import { shellQuote } from '../services/report-lines.js';
import type { ServiceReport } from '../services/service-module.js';
import { durableFunctionLines } from './durable/startup-lines.js';
import type { FunctionDefinition } from './function-runtime.js';

/**
 * The functions' part of the start-up report: how they get the AWS SDK (`sdkLines`), the
 * durable functions, and invoking the first function as the last command to suggest (it
 * shows the least of the app).
 */
export function functionReport(functions: readonly FunctionDefinition[], url: string, sdkLines: readonly string[] = []): ServiceReport {
  const [fn] = functions;
  return {
    lines: sdkLines,
    serves: durableFunctionLines(functions, url),
    ...(fn === undefined
      ? {}
      : { tryIt: { rank: 4, command: `lambda invoke --function-name ${fn.name} --payload ${shellQuote('{}')} /dev/stdout` } }),
  };
}
