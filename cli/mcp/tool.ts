import { z } from 'zod';
import type { Clients } from '../../inspect/aws.js';
import type { Command } from '../commands/command.js';
import type { CommandAnswer } from './command-call.js';

/** What a tool's body may use: the CLI's commands and clients, on the server's one target. */
export interface ToolContext {
  /** Runs a CLI command with the server's target options and --json (command-call.ts). */
  command(command: Command, argv: readonly string[]): Promise<CommandAnswer>;
  /** The SDK clients of the server's target. */
  clients(): Clients;
  /** The cloud assembly the server reads the app from (--cdk-out), if given. */
  readonly cdkOut?: string;
}

/** One tool: its schemas (zod, as the SDK takes them) and its body. */
export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Whether it changes the target: refused against AWS unless the server was started with --allow-writes. */
  readonly write?: boolean;
  readonly input: I;
  readonly output: O;
  run(args: z.infer<z.ZodObject<I>>, context: ToolContext): Promise<Record<string, unknown>>;
}

/** A definition typed by its own schemas, kept in the list with the others. */
export function tool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  definition: ToolDefinition<I, O>,
): ToolDefinition<z.ZodRawShape, z.ZodRawShape> {
  return definition as unknown as ToolDefinition<z.ZodRawShape, z.ZodRawShape>;
}

/** `--name value` for each option given, in order; a flag for `true`. */
export function options(values: Record<string, string | number | boolean | undefined>): string[] {
  return Object.entries(values).flatMap(([name, value]) =>
    value === undefined || value === false ? [] : value === true ? [`--${name}`] : [`--${name}`, String(value)],
  );
}

export const record = z.record(z.string(), z.unknown());

/** What every write answers besides its own result: what it changed, in one sentence. */
export const changed = { changed: z.string().describe('what this call changed in the target') };
