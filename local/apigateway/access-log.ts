import { clfTime } from './payload.js';

/** Where access log lines go (CloudWatch Logs' `write`). */
export interface AccessLogWriter {
  write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
}

/** One request, as an access log line describes it. */
export interface AccessLogEntry {
  readonly requestId: string;
  readonly sourceIp: string;
  readonly started: number;
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
  readonly routeKey: string;
  readonly status: number;
  readonly responseLength: number;
  readonly integrationStatus?: number;
  readonly integrationLatency?: number;
  readonly error?: string;
  readonly apiId: string;
  readonly stage: string;
}

/** The stage's access log format with its `$context` variables filled in; one the runtime does not know becomes `-`. */
export function accessLogLine(format: string, e: AccessLogEntry): string {
  const values: Record<string, string | number | undefined> = {
    requestId: e.requestId,
    extendedRequestId: e.requestId,
    'identity.sourceIp': e.sourceIp,
    requestTime: clfTime(e.started),
    requestTimeEpoch: e.started,
    httpMethod: e.method,
    path: e.path,
    protocol: e.protocol,
    routeKey: e.routeKey,
    status: e.status,
    responseLength: e.responseLength,
    integrationStatus: e.integrationStatus,
    integrationLatency: e.integrationLatency,
    'integration.status': e.integrationStatus,
    'integration.latency': e.integrationLatency,
    'error.message': e.error,
    'error.messageString': e.error === undefined ? undefined : JSON.stringify(e.error),
    integrationErrorMessage: undefined,
    apiId: e.apiId,
    stage: e.stage,
  };
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const value = values[name];
    return value === undefined ? '-' : String(value).replace(/"/g, '\\"');
  });
}
