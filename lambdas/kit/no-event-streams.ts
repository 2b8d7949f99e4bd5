/**
 * What a bundle holds in place of `@smithy/core/event-streams` (an esbuild alias,
 * SwitchyardFunction's `eventStreams: false`) when its function calls no event-stream operation.
 *
 * Every bundle with an AWS SDK client holds the SDK's event-stream codec (~15 KB): the protocol
 * loads it with `import('@smithy/core/event-streams')` for an operation whose input or output is
 * an event stream, and a client with such operations (Lambda, S3, Bedrock runtime, CloudWatch
 * Logs) imports its marshaller too. A function whose operations have no event stream never runs
 * it. Here the two names a client's constructor calls behave as in the SDK (the marshaller they
 * make fails if used); every other name is a function that throws, which a module can import
 * without the build failing, and which says why if anything calls it. The names are the real
 * module's (test/lambdas/bundle-aliases.test.ts holds them to it).
 *
 * Not exported from `switchyard-cdk/kit`: only the bundler reads it.
 */

function leftOut(name: string): never {
  throw new Error(
    `${name}: the AWS SDK's event streams are left out of this function's bundle (SwitchyardFunction eventStreams: false), ` +
      'so it cannot call an event-stream operation (Lambda InvokeWithResponseStream, Bedrock ConverseStream, S3 SelectObjectContent...); ' +
      'bundle them with eventStreams: true, the default',
  );
}

/** What a client's configuration holds after `resolveEventStreamSerdeConfig`. */
interface LeftOutMarshaller {
  serialize(...args: unknown[]): never;
  deserialize(...args: unknown[]): never;
}

/** The client's default marshaller provider: one whose marshaller fails when an event stream is read or written. */
export const eventStreamSerdeProvider = (_options?: unknown): LeftOutMarshaller => ({
  serialize: () => leftOut('EventStreamMarshaller.serialize'),
  deserialize: () => leftOut('EventStreamMarshaller.deserialize'),
});

/** As the SDK's: a client's constructor calls it with the provider its configuration has. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (input: T) => unknown }>(
  input: T,
): T & { eventStreamMarshaller: unknown } => Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

// The rest of the module's names, which only an event stream's encoding and decoding use.
// Functions, so that calling or constructing one (`new EventStreamSerde(...)`) throws.
export function EventStreamSerde(): never {
  return leftOut('EventStreamSerde');
}
export function EventStreamCodec(): never {
  return leftOut('EventStreamCodec');
}
export function HeaderMarshaller(): never {
  return leftOut('HeaderMarshaller');
}
export function Int64(): never {
  return leftOut('Int64');
}
export function MessageDecoderStream(): never {
  return leftOut('MessageDecoderStream');
}
export function MessageEncoderStream(): never {
  return leftOut('MessageEncoderStream');
}
export function SmithyMessageDecoderStream(): never {
  return leftOut('SmithyMessageDecoderStream');
}
export function SmithyMessageEncoderStream(): never {
  return leftOut('SmithyMessageEncoderStream');
}
export function EventStreamMarshaller(): never {
  return leftOut('EventStreamMarshaller');
}
export function UniversalEventStreamMarshaller(): never {
  return leftOut('UniversalEventStreamMarshaller');
}
export function universalEventStreamSerdeProvider(): never {
  return leftOut('universalEventStreamSerdeProvider');
}
export function readableStreamToIterable(): never {
  return leftOut('readableStreamToIterable');
}
export function iterableToReadableStream(): never {
  return leftOut('iterableToReadableStream');
}
export function getChunkedStream(): never {
  return leftOut('getChunkedStream');
}
export function getUnmarshalledStream(): never {
  return leftOut('getUnmarshalledStream');
}
export function getMessageUnmarshaller(): never {
  return leftOut('getMessageUnmarshaller');
}
