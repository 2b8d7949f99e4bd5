#!/usr/bin/env node
// The public API report of each entry point (switchyard/contracts, /kit, /constructs, /testing), made by
// API Extractor from the compiled declarations in dist/ (npm run build first):
//   npm run api:check    fails when a surface differs from its committed api-report/*.api.md
//   npm run api:update   writes the reports; commit them with the change that made them
// A changed report in a diff is the change to review: every type, signature and default
// an app can depend on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = path.resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');
const ENTRY_POINTS = ['contracts', 'kit', 'constructs', 'testing'];

const failed = [];
for (const entry of ENTRY_POINTS) {
  const config = ExtractorConfig.loadFileAndPrepare(path.join(root, 'api-report', `${entry}.api-extractor.jsonc`));
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
      `api-report: switchyard/${entry}'s public API differs from ${report}; ` +
        `if the change is meant, run npm run api:update and commit the report (the new one is in ${path.relative(root, config.reportTempFolder)})`,
    );
  } else if (!result.succeeded) {
    failed.push(entry);
    console.error(
      `api-report: switchyard/${entry}: API Extractor reported ${result.errorCount} errors and ${result.warningCount} warnings (above)`,
    );
  } else {
    console.log(`api-report: switchyard/${entry} ${update && result.apiReportChanged ? 'updated' : 'unchanged'} (${report})`);
  }
}
process.exit(failed.length === 0 ? 0 : 1);
