import * as path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * npm run test:package: the package as a user gets it. Packs it once (global-setup.ts), then
 * installs it from the tarball into apps outside the repository. Not part of npm test: it
 * installs from the npm registry and takes minutes.
 */
export default defineConfig({
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/package/**/*.test.ts'],
    // The fixtures' own tests run inside their apps, on the installed packages (expense-app.test.ts).
    exclude: [...configDefaults.exclude, 'test/package/fixtures/**'],
    globalSetup: ['test/package/global-setup.ts'],
    // npm install, cdk synth with bundling, and a local runtime: minutes, not seconds.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
