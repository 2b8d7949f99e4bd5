import type { FunctionDefinition } from '../core/function-definition.js';

/** The settings of a function's LoggingConfig the local runtime reads. */
export interface LoggingConfig {
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
}

/** The function's LoggingConfig: JSON or text lines, and the levels it keeps. */
export function loggingConfig(definition: FunctionDefinition): LoggingConfig {
  const config = (definition.template?.LoggingConfig ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof config[key] === 'string' ? (config[key] as string) : undefined);
  return { logFormat: text('LogFormat'), applicationLogLevel: text('ApplicationLogLevel'), systemLogLevel: text('SystemLogLevel') };
}

/**
 * The events lines become in the environment's log stream. A line in Lambda's text format carries the
 * time it was written; START, END and REPORT are written `at`; any other line takes the
 * time of the line before it (from `since` on).
 */
export function logStreamEvents(
  lines: readonly string[],
  since: number,
  at: number,
  logging: LoggingConfig,
): { timestamp: number; message: string }[] {
  let time = since;
  const events = lines.map((message) => {
    if (/^(START|END|REPORT) RequestId: /.test(message)) return { timestamp: at, message };
    const written = /^(?:\{"timestamp":")?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)["\t]/.exec(message)?.[1];
    if (written !== undefined) time = Math.min(Math.max(time, Date.parse(written)), at);
    return { timestamp: time, message };
  });
  return logging.logFormat === 'JSON' ? events.flatMap((event) => jsonLogEvent(event, logging.systemLogLevel)) : events;
}

/**
 * A line in Lambda's JSON log format (LoggingConfig.LogFormat JSON): START and REPORT become
 * `platform.start` and `platform.report` records (kept at a SystemLogLevel of INFO or DEBUG),
 * END has none, a line the runtime wrote in the text format becomes an application record,
 * and the function's own lines are already JSON or stay as they were written.
 */
function jsonLogEvent(event: { timestamp: number; message: string }, systemLogLevel = 'INFO'): { timestamp: number; message: string }[] {
  const time = new Date(event.timestamp).toISOString();
  const line = event.message;
  const platform = (type: string, record: Record<string, unknown>) =>
    systemLogLevel === 'WARN' ? [] : [{ timestamp: event.timestamp, message: JSON.stringify({ time, type, record }) }];
  const start = /^START RequestId: (\S+) Version: (\S+)$/.exec(line);
  if (start) return platform('platform.start', { requestId: start[1], version: start[2] });
  if (line.startsWith('END RequestId: ')) return [];
  const report = /^REPORT RequestId: (\S+)\t(.*)$/.exec(line);
  if (report) {
    const field = (name: string) => new RegExp(`${name}: ([\\d.]+)`).exec(report[2] as string)?.[1];
    const initDuration = field('Init Duration');
    const status = /Status: (\w+)/.exec(report[2] as string)?.[1] ?? 'success';
    return platform('platform.report', {
      requestId: report[1],
      metrics: {
        durationMs: Number(field('Duration')),
        billedDurationMs: Number(field('Billed Duration')),
        memorySizeMB: Number(field('Memory Size')),
        maxMemoryUsedMB: Number(field('Max Memory Used')),
        ...(initDuration === undefined ? {} : { initDurationMs: Number(initDuration) }),
      },
      status,
    });
  }
  const text = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t(\S+)\t([A-Z]+)\t([\s\S]*)$/.exec(line);
  if (text) {
    return [
      { timestamp: event.timestamp, message: JSON.stringify({ timestamp: text[1], level: text[3], requestId: text[2], message: text[4] }) },
    ];
  }
  return [event];
}
