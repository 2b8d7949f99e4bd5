import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { defaultCdkOut, readAssembly } from '../../inspect/assembly.js';
import { contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { CliError } from '../../inspect/errors.js';

/**
 * Where the docs pages are: the package's docs/ (dist/cli/mcp -> docs), which holds the pages
 * packages/index.mjs ships for an agent, or a checkout's docs/ (every page).
 */
function docsFolder(): URL | undefined {
  return [new URL('../../../docs/', import.meta.url), new URL('../../docs/', import.meta.url)].find((folder) =>
    existsSync(new URL('mcp.md', folder)),
  );
}

/** Each page of the folder, by its name without .md, with its title (its first heading). */
function docPages(folder: URL): { page: string; title: string }[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.md'))
    .map((file) => ({
      page: file.slice(0, -'.md'.length),
      title: /^# (.+)$/m.exec(readFileSync(new URL(file, folder), 'utf8'))?.[1] ?? file,
    }));
}

/** The app's contracts as `describe_app` and `send_event` use them: detail-type, source and the detail's JSON Schema. */
function contracts(cdkOut: string | undefined) {
  return contractsInAssembly(readAssembly(defaultCdkOut(cdkOut))).map(({ detailType, source, description, schema }) => ({
    detailType,
    source,
    ...(description ? { description } : {}),
    schema,
  }));
}

/** The app's contracts (all, and one by detail-type) and the docs pages, as resources. */
export function registerResources(server: McpServer, options: { readonly cdkOut?: string }): void {
  server.registerResource(
    'contracts',
    'switchyard://contracts',
    {
      title: "The app's event contracts",
      description: 'every contract the app publishes: detail-type, source, JSON Schema of the detail',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(contracts(options.cdkOut), null, 2) }],
    }),
  );
  server.registerResource(
    'contract',
    new ResourceTemplate('switchyard://contracts/{detailType}', {
      list: async () => ({
        resources: contracts(options.cdkOut).map((c) => ({
          uri: `switchyard://contracts/${encodeURIComponent(c.detailType)}`,
          name: c.detailType,
          mimeType: 'application/json',
        })),
      }),
    }),
    { title: 'One event contract', mimeType: 'application/json' },
    async (uri, { detailType }) => {
      const all = contracts(options.cdkOut);
      const wanted = decodeURIComponent(String(detailType));
      const contract = all.find((c) => c.detailType === wanted);
      if (contract === undefined)
        throw new CliError(`no contract ${wanted}: the app's contracts are ${all.map((c) => c.detailType).join(', ')}`);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(contract, null, 2) }] };
    },
  );
  const folder = docsFolder();
  if (folder === undefined) return;
  for (const { page, title } of docPages(folder)) {
    server.registerResource(
      page,
      `switchyard://docs/${page}`,
      { title, description: `docs/${page}.md`, mimeType: 'text/markdown' },
      async (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/markdown', text: readFileSync(new URL(`${page}.md`, folder), 'utf8') }],
      }),
    );
  }
}
