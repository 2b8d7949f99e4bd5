/**
 * The DynamoDB Streams API over the JSON protocol, as the SDK's client sends it (that client,
 * @aws-sdk/client-dynamodb-streams, is not installed here). Answers are the JSON bodies as
 * sent: dates as epoch seconds, binary values as base64.
 */
export interface StreamsClient {
  send<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T>;
  /** The answer with its HTTP status; an error's body (`__type`, `message`) is returned, not thrown. */
  answer(operation: string, input: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  destroy(): void;
}

/** A DynamoDB Streams client of the runtime at `url`. */
export function streamsClient(url: string): StreamsClient {
  const answer = async (operation: string, input: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDBStreams_20120810.${operation}` },
      body: JSON.stringify(input),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    answer,
    async send<T>(operation: string, input: Record<string, unknown>): Promise<T> {
      const { status, body } = await answer(operation, input);
      if (status !== 200) throw Object.assign(new Error(String(body.message)), { name: String(body.__type).split('#').pop() });
      return body as T;
    },
    destroy() {},
  };
}
