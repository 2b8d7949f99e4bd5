/** The console's pages are hash routes, so the runtime serves one page and no path of its own leaks into AWS's. */
export function executionHref(executionArn: string): string {
  return `#/execution/${encodeURIComponent(executionArn)}`;
}

export function lineageHref(id: string): string {
  return `#/lineage/${encodeURIComponent(id)}`;
}

/** A Lambda durable execution's page. */
export function durableExecutionHref(arn: string): string {
  return `#/durable-execution/${encodeURIComponent(arn)}`;
}

/** A message of the local mailbox. */
export function mailHref(id: string): string {
  return `#/mail/${encodeURIComponent(id)}`;
}

/** The waterfall of the spans of the traces an id names (a trace id, or any id lineage takes). */
export function traceHref(id: string): string {
  return `#/trace/${encodeURIComponent(id)}`;
}
