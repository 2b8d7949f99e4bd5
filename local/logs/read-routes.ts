import type { LogReader, ServiceReads } from '../read-api/routes.js';

/**
 * What CloudWatch Logs adds to the read API: an invocation's log lines, which lineage shows
 * under the invocation.
 */
export function invocationLogReads(logs: LogEventsSource): ServiceReads {
  return { invocationLogs: logReaderFrom(logs) };
}

/** CloudWatch Logs' GetLogEvents, as the local logs service serves it in-process. */
export interface LogEventsSource {
  GetLogEvents(input: Record<string, unknown>): Promise<{ events?: readonly { message?: string }[] }>;
}

/**
 * Reads an invocation's lines out of its log stream: those from its START line to its
 * REPORT line (other invocations of the same environment write to the same stream).
 */
function logReaderFrom(logs: LogEventsSource): LogReader {
  return async ({ logGroup, logStream, requestId, startedAt, endedAt }) => {
    let events: readonly { message?: string }[];
    try {
      ({ events = [] } = await logs.GetLogEvents({
        logGroupName: logGroup,
        logStreamName: logStream,
        startFromHead: true,
        startTime: startedAt - 1000,
        ...(endedAt === undefined ? {} : { endTime: endedAt + 1000 }),
        limit: 10_000,
      }));
    } catch {
      // The group expired its events, or was never written (a function whose logs go nowhere).
      return [];
    }
    const lines: string[] = [];
    let inside = false;
    // Text logs open with START and close with REPORT; JSON logs (LoggingConfig LogFormat JSON) with platform.start and platform.report.
    const marks = (message: string, text: string, platform: string) =>
      message.includes(requestId) && (message.startsWith(`${text} RequestId: `) || message.includes(`"type":"${platform}"`));
    for (const { message = '' } of events) {
      if (marks(message, 'START', 'platform.start')) inside = true;
      if (inside) lines.push(message.replace(/\n$/, ''));
      if (inside && marks(message, 'REPORT', 'platform.report')) break;
    }
    return lines;
  };
}
