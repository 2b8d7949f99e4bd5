#!/usr/bin/env node
// The public API report of each entry point (switchyard-cdk/contracts, /kit, /constructs, and
// switchyard-cli/testing), made by
// API Extractor from the compiled declarations in dist/ (npm run build first):
//   npm run api:check    fails when a surface differs from its committed api-report/*.api.md,
//                        or the API reference (docs/api/, TypeDoc) from what the TSDoc gives
//   npm run api:update   writes the reports and the reference; commit them with the change that made them
// A changed report in a diff is the change to review: every type and signature an app can
// depend on, and (api-report/*.defaults.md, scripts/api-defaults.mjs) every default.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { PACKAGES } from '../packages/index.mjs';
import { publicDefaults } from './api-defaults.mjs';

const root = path.resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');
/** Every package's entry points (packages/index.mjs), each with its api-report/<entry>.api-extractor.jsonc. */
const ENTRY_POINTS = PACKAGES.flatMap((p) => Object.keys(p.exports ?? {}).map((subpath) => ({ pkg: p.name, entry: subpath.slice(2) })));

const failed = [];
for (const { pkg, entry } of ENTRY_POINTS) {
  const configFile = path.join(root, 'api-report', `${entry}.api-extractor.jsonc`);
  // Each report is of its package (packages/index.mjs), not of the repository's own
  // package.json, whose name is the workspace's.
  const config = ExtractorConfig.prepare({
    configObject: ExtractorConfig.loadFile(configFile),
    configObjectFullPath: configFile,
    packageJsonFullPath: path.join(root, 'package.json'),
    packageJson: { ...JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')), name: pkg },
  });
  if (!existsSync(config.mainEntryPointFilePath)) {
    console.error(`api-report: ${path.relative(root, config.mainEntryPointFilePath)} is missing: run npm run build first`);
    process.exit(1);
  }
  const result = Extractor.invoke(config, {
    // localBuild writes a changed report into api-report/; otherwise a change is an error.
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // One line per report instead of API Extractor's banner and hints.
      if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true;
    },
  });
  const report = path.relative(root, config.reportConfigs[0] ? path.join(config.reportFolder, `${config.reportConfigs[0].fileName}`) : '');
  if (result.apiReportChanged && !update) {
    failed.push(entry);
    console.error(
      `api-report: ${pkg}/${entry}'s public API differs from ${report}; ` +
        `if the change is meant, run npm run api:update and commit the report (the new one is in ${path.relative(root, config.reportTempFolder)})`,
    );
  } else if (!result.succeeded) {
    failed.push(entry);
    console.error(
      `api-report: ${pkg}/${entry}: API Extractor reported ${result.errorCount} errors and ${result.warningCount} warnings (above)`,
    );
  } else {
    console.log(`api-report: ${pkg}/${entry} ${update && result.apiReportChanged ? 'updated' : 'unchanged'} (${report})`);
  }
}

// The defaults reports (api-report/<report>.defaults.md): API Extractor's report leaves out
// doc comments, so each optional prop's `@default` is listed there, compared as the reports are.
for (const { pkg, entry, report, text } of publicDefaults()) {
  const relative = path.relative(root, report);
  const committed = existsSync(report) ? readFileSync(report, 'utf8') : undefined;
  if (committed === text) console.log(`api-report: ${pkg}/${entry}'s defaults unchanged (${relative})`);
  else if (update) {
    writeFileSync(report, text);
    console.log(`api-report: ${pkg}/${entry}'s defaults updated (${relative})`);
  } else {
    failed.push(`${entry} defaults`);
    console.error(
      `api-report: ${pkg}/${entry}'s defaults differ from ${relative}${committed === undefined ? ' (missing)' : ''}; ` +
        'if the change is meant, run npm run api:update and commit the report: a changed default goes through deprecation (docs/public-surface.md)',
    );
  }
}

// The API reference (docs/api/, TypeDoc from the same entry points' TSDoc): generated again
// into a temporary folder and compared, so a TSDoc change shows in the reference too.
const generated = mkdtempSync(path.join(tmpdir(), 'switchyard-api-docs-'));
const typedoc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', generated], {
  cwd: root,
  stdio: 'inherit',
});
if (typedoc.status !== 0) {
  failed.push('docs/api');
  console.error(`api-report: typedoc exited ${typedoc.status} (above)`);
} else {
  const committed = path.join(root, 'docs', 'api');
  const differ = differences(generated, committed);
  if (differ.length === 0) console.log('api-report: docs/api unchanged');
  else if (update) {
    rmSync(committed, { recursive: true, force: true });
    cpSync(generated, committed, { recursive: true });
    console.log(`api-report: docs/api updated (${differ.length} files)`);
  } else {
    failed.push('docs/api');
    console.error(
      `api-report: docs/api is not what the TSDoc gives (${differ.slice(0, 5).join(', ')}${differ.length > 5 ? ', ...' : ''}); run npm run api:update and commit it`,
    );
  }
}
rmSync(generated, { recursive: true, force: true });
process.exit(failed.length === 0 ? 0 : 1);

/** Files that differ, or are in one folder only, by their path under it. */
function differences(left, right) {
  const files = (dir) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => statSync(path.join(dir, f)).isFile()) : []);
  const names = new Set([...files(left), ...files(right)]);
  return [...names].filter((name) => {
    const a = path.join(left, name);
    const b = path.join(right, name);
    return !existsSync(a) || !existsSync(b) || readFileSync(a, 'utf8') !== readFileSync(b, 'utf8');
  });
}
