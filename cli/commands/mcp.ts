import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { createMcpServer } from '../mcp/server.js';
import type { Command } from './command.js';
import { ownPackage } from './init.js';

export const HELP = `Usage: switchyard mcp [--aws [--allow-writes]] [--endpoint <url>] [--cdk-out <dir>]

Serves the app to a coding agent over the Model Context Protocol, on stdin and stdout (what
an agent's configuration launches: npx switchyard mcp). Its tools are the operator commands,
typed: describe_app, send_event, list_executions, get_execution, get_trace, list_failures,
redrive, replay, fork_execution, stop_execution, pause_flow, resume_flow, decide_task,
get_logs, query_table, model_usage; its resources, the app's contracts and the docs pages an
agent needs (docs/mcp.md). switchyard dev serves the same at /mcp on its port.

  --allow-writes      with --aws: let the tools that change the app (send, redrive, replay,
                      fork, stop, pause, resume, decide) run; without it they are refused,
                      naming this flag. Against the local runtime they always run.

Target and app as every command takes them:

${GLOBAL_HELP}`;

/** `switchyard mcp`: the MCP server over stdio, until the client closes its end. */
export const mcp: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { 'allow-writes': { type: 'boolean' } }, false);
  if (values.help) return io.out(HELP);
  if (values.json) throw usageError('mcp answers in MCP on stdout: --json does not apply');
  const allowWrites = values['allow-writes'] === true;
  if (positionals.length > 0) throw usageError(`mcp takes no arguments (got "${positionals[0]}")`);
  const server = createMcpServer({
    endpoint: values.endpoint,
    aws: values.aws,
    profile: values.profile,
    region: values.region,
    cdkOut: values['cdk-out'],
    allowWrites,
    version: ownPackage().manifest.version ?? '0.0.0',
  });
  // The client ends the session by closing our stdin (the stdio transport of the MCP specification).
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(new StdioServerTransport());
  await closed;
  await server.close();
};
