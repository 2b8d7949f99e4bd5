import { afterAll } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';

/**
 * Starts apps each on a runtime in a process of its own, which `crash()` kills with SIGKILL (the
 * public testing API); every one started is stopped after the tests of the file that calls this.
 */
export function useCrashableApps(): (cdkOut: string) => Promise<TestApp> {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });
  return async (cdkOut) => {
    const app = await startApp({ cdkOut }, { ownProcess: true });
    apps.push(app);
    return app;
  };
}
