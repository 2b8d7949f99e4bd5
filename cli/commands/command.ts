import type { Clients, TargetOptions } from '../../inspect/aws.js';

/** What a command may touch: its output streams, stdin, and the AWS clients (built on first use). */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  stdin(): string;
  clients(options: TargetOptions): Clients;
}

export type Command = (argv: readonly string[], io: CommandIo) => Promise<void>;
