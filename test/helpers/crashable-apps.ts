import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll } from 'vitest';
import { type StartOptions, startApp, type TestApp } from '../../testing/index.js';
import { credentials, region } from '../local/helpers.js';

/**
 * Starts apps each on a runtime in a process of its own, which `crash()` kills with SIGKILL (the
 * public testing API), with `defaults` and then each call's own options; every one started is
 * stopped after the tests of the file that calls this.
 */
export function useCrashableApps(defaults: StartOptions = {}): (cdkOut: string, options?: StartOptions) => Promise<TestApp> {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });
  return async (cdkOut, options = {}) => {
    const app = await startApp({ cdkOut }, { ...defaults, ...options, ownProcess: true });
    apps.push(app);
    return app;
  };
}

/** An SDK client configuration for `app`'s endpoint that tries each call once (a call the crash cut is the test's to see), and an SQS client on it. */
export function crashClients(app: TestApp, extra: { forcePathStyle?: boolean } = {}) {
  const config = { endpoint: app.endpoint, region, credentials, maxAttempts: 1, ...extra };
  return { config, sqs: new SQSClient(config) };
}
