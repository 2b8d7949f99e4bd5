import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import { durableFunctionLines, durableInvokeName } from './durable/startup-lines.js';
import type { FunctionDefinition } from './runtime/function-runtime.js';
import type { FunctionUrlAddress } from './urls/function-urls.js';

/**
 * The functions' part of the start-up report: how they get the AWS SDK (`sdkLines`), the
 * durable functions, and invoking the first function as the last command to suggest (it
 * shows the least of the app).
 */
export function functionReport(
  functions: readonly FunctionDefinition[],
  url: string,
  invokedByServices: readonly string[] = [],
  sdkLines: readonly string[] = [],
): ServiceReport {
  // A function another one's asynchronous destination calls is invoked by that one: the caller is suggested.
  const destinations = functions.flatMap(({ asyncConfig: c }) => [c?.onSuccess, c?.onFailure].filter((arn) => arn !== undefined));
  const called = (fn: FunctionDefinition) => destinations.some((arn) => arn === fn.arn || arn.startsWith(`${fn.arn}:`));
  // An authorizer's or an AppSync resolver's event comes from its API (a token, a request, the resolver's context): `{}` only fails it, so the API is suggested instead.
  const invocable = functions.filter((f) => !invokedByServices.includes(f.name));
  const fn = invocable.find((f) => !called(f)) ?? invocable[0];
  // Destinations take only asynchronous invocations' results (as on AWS): such a function is invoked as an event.
  const asEvent = fn?.asyncConfig?.onSuccess !== undefined || fn?.asyncConfig?.onFailure !== undefined ? ' --invocation-type Event' : '';
  return {
    lines: sdkLines,
    serves: durableFunctionLines(functions, url),
    ...(fn === undefined
      ? {}
      : {
          tryIt: {
            rank: 4,
            command: `lambda invoke --function-name ${durableInvokeName(fn) ?? fn.name}${asEvent} --payload ${shellQuote('{}')} /dev/stdout`,
          },
        }),
  };
}

/** Each function URL with its local URL (path and Host forms), the function it invokes and how callers authenticate. */
export function functionUrlLines(addresses: readonly FunctionUrlAddress[]): string[] {
  return addresses.map(({ definition: d, url, hostUrl }) => {
    const target = d.qualifier === undefined ? d.functionName : `${d.functionName}:${d.qualifier}`;
    const auth = d.authType === 'AWS_IAM' ? 'AWS_IAM: sign requests with SigV4' : 'NONE';
    return `  function URL ${d.urlId} -> ${target} (${auth}${d.invokeMode === 'RESPONSE_STREAM' ? ', RESPONSE_STREAM' : ''}): ${url} (or ${hostUrl}; ${d.awsUrl} on AWS)`;
  });
}
