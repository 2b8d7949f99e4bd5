import { type Clients, createClients, resolveTarget, type TargetOptions } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import type { Command } from '../commands/command.js';

/** What a command printed when a tool ran it: its --json answer, and its notes on stderr. */
export interface CommandAnswer {
  readonly json: unknown;
  readonly notes: readonly string[];
}

/**
 * Runs one of the CLI's commands as a tool's body: the command itself with `--json`, its
 * stdout parsed, its stderr kept as notes. A tool is then the command an operator runs,
 * never a second implementation of it; its errors are the command's CliErrors (which name
 * what was wrong and what was meant), thrown on for the server to answer as a tool error.
 */
export async function callCommand(
  command: Command,
  argv: readonly string[],
  clients: (options: TargetOptions) => Clients,
): Promise<CommandAnswer> {
  const out: string[] = [];
  const notes: string[] = [];
  await command([...argv, '--json'], {
    out: (line) => void out.push(line),
    err: (line) => void notes.push(line),
    stdin: () => {
      throw usageError('a tool reads no standard input: give the JSON itself');
    },
    clients,
  });
  const text = out.join('\n').trim();
  if (text === '') return { json: undefined, notes };
  try {
    return { json: JSON.parse(text), notes };
  } catch (error) {
    throw new CliError(`the command answered something other than JSON: ${(error as Error).message}`);
  }
}

/**
 * The clients of one server, built on first use and shared by its tool calls (a server
 * targets one runtime or one AWS account for its whole life).
 */
export function sharedClients(): (options: TargetOptions) => Clients {
  let clients: Clients | undefined;
  return (options) => (clients ??= createClients(resolveTarget(options)));
}
