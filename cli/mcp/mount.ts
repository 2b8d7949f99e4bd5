import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path `switchyard dev` serves MCP at, on its own port. */
export const MCP_PATH = '/mcp';

/**
 * `switchyard dev`'s /mcp, for the runtime at `url` running the app of `cdkOut` (default: the
 * project's newest assembly, as every command reads it): the MCP SDK and the commands its tools
 * run are loaded on the first request, so that a dev server no agent talks to does not pay
 * for them at start.
 */
export function mcpMount(version: string, cdkOut?: string) {
  return (url: string) => {
    let loaded: Promise<{ handle(req: IncomingMessage, res: ServerResponse): Promise<void> }> | undefined;
    return {
      handles: (rawPath: string) => rawPath === MCP_PATH,
      handle: async (req: IncomingMessage, res: ServerResponse) => {
        loaded ??= import('./http.js').then(({ mcpHttpHandler }) => mcpHttpHandler({ version, ...(cdkOut ? { cdkOut } : {}) })(url));
        return (await loaded).handle(req, res);
      },
    };
  };
}
