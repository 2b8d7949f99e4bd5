import type { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';

/**
 * Records PutEvents calls and answers them; `failures` decides, per call and entry,
 * which error code (if any) an entry gets, as EventBridge's partial failures do.
 */
export class FakeEventBridge {
  readonly calls: PutEventsRequestEntry[][] = [];
  constructor(private readonly failures: (call: number, entry: PutEventsRequestEntry) => string | undefined = () => undefined) {}

  get client(): EventBridgeClient {
    return this as unknown as EventBridgeClient;
  }

  get published(): PutEventsRequestEntry[] {
    return this.calls.flatMap((entries, call) => entries.filter((entry) => this.failures(call, entry) === undefined));
  }

  async send(command: PutEventsCommand) {
    const entries = command.input.Entries ?? [];
    const call = this.calls.length;
    this.calls.push(entries);
    const results: PutEventsResultEntry[] = entries.map((entry, index) => {
      const code = this.failures(call, entry);
      return code ? { ErrorCode: code, ErrorMessage: `${code} for entry ${index}` } : { EventId: `evt-${call}-${index}` };
    });
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }
}
