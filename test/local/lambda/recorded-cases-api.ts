import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LoggingConfig,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/** TestLoggingConfig's function (256 MB, 5 s), created with `LoggingConfig` if given; its create, get and configuration answers. */
async function loggingFunction(c: ReplayContext, live: Answer, LoggingConfig?: LoggingConfig): Promise<string> {
  const name = c.name('fn');
  live.create_response = await c.create(name, { MemorySize: 256, Timeout: 5, ...(LoggingConfig ? { LoggingConfig } : {}) });
  live.get_function_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
  live.function_config = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
  return name;
}

/** UpdateFunctionConfiguration of its LoggingConfig, waited for: the answer, and the configuration after, under `suffix`. */
async function logging(c: ReplayContext, live: Answer, name: string, LoggingConfig: LoggingConfig, suffix = ''): Promise<void> {
  live[`updated_config${suffix}`] = await c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig }));
  await c.updated(name);
  live[`received_config${suffix}`] = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
}

const PARTIAL_CONFIGS: readonly LoggingConfig[] = [
  { LogFormat: 'JSON' },
  { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
  { LogFormat: 'JSON', SystemLogLevel: 'DEBUG' },
  { LogGroup: 'cool_lambda' },
];

/** More of test_lambda_api.py's tests of the functions' API (their settings, tags, URLs, concurrency), by snapshot key. */
export const API_CASES: Record<string, Replay> = {
  'TestLoggingConfig::test_function_advanced_logging_configuration': async (c) => {
    const live: Answer = {};
    const name = await loggingFunction(c, live, { LogFormat: 'JSON' });
    await logging(c, live, name, { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: 'cool_lambda' });
    return live;
  },
  'TestLoggingConfig::test_advanced_logging_configuration_format_switch': async (c) => {
    const live: Answer = {};
    const name = await loggingFunction(c, live);
    await logging(c, live, name, { LogFormat: 'JSON' });
    await logging(c, live, name, { LogFormat: 'Text' }, '_v2');
    return live;
  },
  ...Object.fromEntries(
    PARTIAL_CONFIGS.map((config, index) => [
      `TestLoggingConfig::test_function_partial_advanced_logging_configuration_update[partial_config${index}]`,
      async (c: ReplayContext) => {
        const live: Answer = {};
        await logging(c, live, await loggingFunction(c, live), config);
        return live;
      },
    ]),
  ),
  'TestLambdaFunction::test_invalid_invoke': async (c) => ({
    invoke_function_name_pattern_exc: await c.call(
      new InvokeCommand({ FunctionName: `arn:aws:lambda:${region}:123400000000@function:myfn`, Payload: '{}' }),
    ),
  }),
};
