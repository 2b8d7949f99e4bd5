/**
 * Protocol Buffers' wire format, as much of it as OTLP's messages use
 * (https://protobuf.dev/programming-guides/encoding/): a reader that never reads past its
 * buffer and refuses what is malformed (a truncated varint, a length beyond the end, a group,
 * a wire type that does not exist) with a WireError, and a writer for the two small messages
 * the receiver answers with (ExportTraceServiceResponse, google.rpc.Status).
 * Ours rather than @bufbuild/protobuf or protobufjs with OpenTelemetry's protos (weighed in
 * issue 52): either still needs otlp-protobuf.ts's mapping to the OTLP/JSON shape (hex ids,
 * decimal int64, id lengths, nesting depth), words its errors its own way, and the first,
 * with its generated messages, took about 80 ms more CPU to import than this codec, at every
 * start of the runtime.
 */
export class WireError extends Error {
  override readonly name = 'WireError';
}

export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class WireReader {
  #pos: number;

  constructor(
    private readonly buffer: Uint8Array,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.#pos = start;
  }

  get done(): boolean {
    return this.#pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { readonly field: number; readonly wire: number } {
    const key = this.varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new WireError('a field number of 0 is not valid');
    return { field, wire };
  }

  /** A base-128 varint of up to 64 bits. */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.#pos >= this.end) throw new WireError('a varint runs past the end of its message');
      const byte = this.buffer[this.#pos++] as number;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value & 0xffff_ffff_ffff_ffffn;
    }
    throw new WireError('a varint is longer than 10 bytes');
  }

  /** A varint read as a JavaScript number (enums, counts: 32-bit values). */
  uint32(): number {
    return Number(this.varint() & 0xffff_ffffn);
  }

  /** An int64 varint, two's complement. */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  fixed64(): bigint {
    return this.#view(8).getBigUint64(0, true);
  }

  fixed32(): number {
    return this.#view(4).getUint32(0, true);
  }

  double(): number {
    return this.#view(8).getFloat64(0, true);
  }

  /** A length-delimited field's bytes (a view into the buffer). */
  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (length > this.end - this.#pos) throw new WireError('a length-delimited field runs past the end of its message');
    const bytes = this.buffer.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return bytes;
  }

  /** A string field: UTF-8, as proto3 requires of `string`. */
  string(): string {
    try {
      return utf8.decode(this.bytes());
    } catch (error) {
      if (error instanceof WireError) throw error;
      throw new WireError('a string field is not valid UTF-8');
    }
  }

  /** A reader over an embedded message. */
  message(): WireReader {
    const bytes = this.bytes();
    return new WireReader(bytes, 0, bytes.length);
  }

  /** Skips a field of an unknown number (proto3 keeps reading past them). */
  skip(wire: number): void {
    if (wire === WIRE.varint) this.varint();
    else if (wire === WIRE.fixed64) this.#view(8);
    else if (wire === WIRE.bytes) this.bytes();
    else if (wire === WIRE.fixed32) this.#view(4);
    else throw new WireError(`wire type ${wire} is not one proto3 messages use`);
  }

  #view(size: number): DataView {
    if (size > this.end - this.#pos) throw new WireError('a fixed-width field runs past the end of its message');
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + this.#pos, size);
    this.#pos += size;
    return view;
  }
}

/** Appends protobuf fields; enough for the receiver's answers. */
export class WireWriter {
  readonly #parts: number[] = [];

  varintField(field: number, value: number | bigint): this {
    if (BigInt(value) === 0n) return this; // proto3 leaves a default value out
    this.#varint(BigInt(field) << 3n);
    this.#varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  bytesField(field: number, bytes: Uint8Array): this {
    if (bytes.length === 0) return this;
    this.#varint((BigInt(field) << 3n) | 2n);
    this.#varint(BigInt(bytes.length));
    for (const byte of bytes) this.#parts.push(byte);
    return this;
  }

  stringField(field: number, text: string): this {
    return this.bytesField(field, new TextEncoder().encode(text));
  }

  /** An embedded message, written even when empty (its presence is what the field says). */
  messageField(field: number, message: WireWriter): this {
    const bytes = message.finish();
    this.#varint((BigInt(field) << 3n) | 2n);
    this.#varint(BigInt(bytes.length));
    for (const byte of bytes) this.#parts.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }

  #varint(value: bigint): void {
    let rest = value;
    while (rest > 0x7fn) {
      this.#parts.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.#parts.push(Number(rest));
  }
}
