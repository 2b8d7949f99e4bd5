import { clfTime } from './payload.js';

/** Where access log lines go (CloudWatch Logs' `write`). */
export interface AccessLogWriter {
  write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
}

/** A stage's access log: the log group its setting's DestinationArn names, and the format of its lines. */
export interface StageAccessLog {
  readonly logGroupName: string;
  readonly format: string;
}

/** A stage's `AccessLogSetting(s)` as the runtime keeps it (undefined when it names no log group); the format is `$context.requestId` when none is given. */
export function accessLogOf(setting: unknown): StageAccessLog | undefined {
  const accessLog = setting as { DestinationArn?: unknown; Format?: unknown } | undefined;
  const logGroupName = typeof accessLog?.DestinationArn === 'string' ? /:log-group:([^:]+)/.exec(accessLog.DestinationArn)?.[1] : undefined;
  return logGroupName === undefined ? undefined : { logGroupName, format: String(accessLog?.Format ?? '$context.requestId') };
}

/** One request as it was answered, as an access log line describes it. */
export interface AccessLogEntry {
  readonly requestId: string;
  readonly apiId: string;
  readonly request: { readonly sourceIp: string; readonly method: string; readonly protocol: string };
  readonly started: number;
  /** The path as `$context.path` gives it. */
  readonly path: string;
  readonly routeKey: string;
  /** A REST API's resource (`/job/{jobId}`), once the request matched one: `$context.resourcePath`, which CDK's standard formats log. */
  readonly resourcePath?: string;
  readonly response: { readonly status: number; readonly body: { readonly length: number } };
  /** The integration's status, when the request reached it. */
  readonly integrationStatus?: number;
  readonly error?: string;
}

/**
 * Writes a request's line to its stage's access log (the stream `<apiId>_<stage>`), when the
 * stage keeps one; the integration's latency runs from the request's start to `now`.
 */
export function writeAccessLog(
  logs: AccessLogWriter | undefined,
  stage: { readonly name: string; readonly accessLog?: StageAccessLog },
  entry: AccessLogEntry,
  now: number,
): void {
  if (!stage.accessLog || !logs) return;
  const message = accessLogLine(stage.accessLog.format, stage.name, entry, now);
  logs.write(stage.accessLog.logGroupName, `${entry.apiId}_${stage.name}`, [{ timestamp: entry.started, message }]);
}

/** The stage's access log format with its `$context` variables filled in; one the runtime does not know becomes `-`. */
function accessLogLine(format: string, stage: string, e: AccessLogEntry, now: number): string {
  const integrationLatency = e.integrationStatus === undefined ? undefined : now - e.started;
  const values: Record<string, string | number | undefined> = {
    requestId: e.requestId,
    extendedRequestId: e.requestId,
    'identity.sourceIp': e.request.sourceIp,
    requestTime: clfTime(e.started),
    requestTimeEpoch: e.started,
    httpMethod: e.request.method,
    path: e.path,
    protocol: e.request.protocol,
    routeKey: e.routeKey,
    resourcePath: e.resourcePath,
    status: e.response.status,
    responseLength: e.response.body.length,
    integrationStatus: e.integrationStatus,
    integrationLatency,
    'integration.status': e.integrationStatus,
    'integration.latency': integrationLatency,
    'error.message': e.error,
    'error.messageString': e.error === undefined ? undefined : JSON.stringify(e.error),
    integrationErrorMessage: undefined,
    apiId: e.apiId,
    stage,
  };
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const value = values[name];
    return value === undefined ? '-' : String(value).replace(/"/g, '\\"');
  });
}
