import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { withAssemblyNotices } from '../../inspect/assembly.js';
import type { Clients, TargetOptions } from '../../inspect/aws.js';
import { CliError } from '../../inspect/errors.js';
import { callCommand, sharedClients } from './command-call.js';
import { registerResources } from './resources.js';
import type { ToolContext } from './tool.js';
import { TOOLS } from './tools.js';

/** The server's target, as the other commands take it, and whether it may write to AWS. */
export interface McpServerOptions extends TargetOptions {
  readonly cdkOut?: string;
  /** With --aws: the writes (send, redrive, replay, fork, stop, pause, resume, decide) are refused unless this is set. */
  readonly allowWrites?: boolean;
  readonly version: string;
}

/** Why a write is refused against AWS, naming the flag that allows it. */
export class WriteRefused extends CliError {
  constructor(tool: string) {
    super(
      `${tool} changes the target, and this server talks to AWS read-only: start it with --allow-writes (switchyard mcp --aws --allow-writes) to let it`,
      2,
    );
    this.name = 'WriteRefused';
  }
}

/** Arguments that go back to the CLI's own option parsing: the target, as every command takes it. */
function targetArgv(options: McpServerOptions): string[] {
  return [
    ...(options.endpoint ? ['--endpoint', options.endpoint] : []),
    ...(options.aws ? ['--aws'] : []),
    ...(options.profile ? ['--profile', options.profile] : []),
    ...(options.region ? ['--region', options.region] : []),
    ...(options.cdkOut ? ['--cdk-out', options.cdkOut] : []),
  ];
}

/**
 * One MCP server over the app: each tool of tools.ts and app-tools.ts, the app's contracts
 * and the docs as resources. A transport (stdio for `switchyard mcp`, Streamable HTTP at
 * /mcp of `switchyard dev`) connects it; a session gets a server of its own.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'switchyard', version: options.version }, { capabilities: { tools: {}, resources: {} } });
  const clientsFor = sharedClients();
  const target = targetArgv(options);
  const context: ToolContext = {
    command: (command, argv) => callCommand(command, [...argv, ...target], clientsFor),
    clients: (): Clients => clientsFor(options),
    ...(options.cdkOut ? { cdkOut: options.cdkOut } : {}),
  };
  const readOnly =
    (options.aws === true || options.profile !== undefined || process.env.SWITCHYARD_TARGET === 'aws') && !options.allowWrites;
  for (const definition of TOOLS) {
    server.registerTool(
      definition.name,
      {
        title: definition.title,
        description: definition.description,
        inputSchema: definition.input,
        outputSchema: definition.output,
        annotations: { readOnlyHint: definition.write !== true, destructiveHint: definition.write === true, openWorldHint: false },
      },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        // What the call says about the app it read (the source does not synthesize) goes to the agent, once per call.
        const notes: string[] = [];
        const noted = (result: CallToolResult): CallToolResult =>
          notes.length === 0 ? result : { ...result, content: [...result.content, { type: 'text', text: notes.join('\n') }] };
        try {
          if (definition.write && readOnly) throw new WriteRefused(definition.name);
          const result = await withAssemblyNotices(
            (line) => void notes.push(line),
            () => definition.run(args, context),
          );
          return noted({ content: [{ type: 'text', text: JSON.stringify(result, null, 2) }], structuredContent: result });
        } catch (error) {
          return noted(toolError(definition.name, error));
        }
      },
    );
  }
  registerResources(server, options);
  return server;
}

/**
 * A failure as the agent should see it: a tool result with isError, its text the CLI's
 * message (what was wrong, and the names that would have been accepted), never a protocol
 * error. A failure of ours (not a CliError) says so, with its stack, as the CLI does.
 */
function toolError(tool: string, error: unknown): CallToolResult {
  const text =
    error instanceof CliError
      ? `${tool}: ${error.message}`
      : `${tool}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  return { content: [{ type: 'text', text }], isError: true };
}
