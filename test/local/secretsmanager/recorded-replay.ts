/** What the Secrets Manager replay's case files share: an answer, and the calls that make one as botocore reported it. */
export type Answer = Record<string, unknown>;

export interface ReplayCalls {
  /** An output as botocore reported it: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
  call(command: object): Promise<Answer>;
  /** A refused call's error, as `ClientError.response` (or as its text with `asText`). */
  failure(command: object, options?: { asText?: boolean }): Promise<unknown>;
  /** The plain HTTP request of `aws_http_client_factory`: its status and JSON body. */
  rawAnswer(target: string, body: Answer): Promise<{ status: number; body: unknown }>;
}

/** LocalStack's short_uid: eight hex digits. */
export const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** The fixture `secret_name`: `s-` and a short uid. */
export const secretName = () => `s-${shortUid()}`;

/** A ListSecrets or DescribeSecret answer with each version id among `versionIds` written as the recording's `<version_uuid:N>` (the transformer replaced map keys too). */
export function withVersionPlaceholders(answer: Answer, versionIds: readonly unknown[]): Answer {
  let text = JSON.stringify(answer);
  versionIds.forEach((id, i) => {
    text = text.replaceAll(`"${String(id)}":`, `"<version_uuid:${i + 1}>":`);
  });
  return JSON.parse(text) as Answer;
}
