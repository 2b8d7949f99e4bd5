import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { ConsoleProblems, reportPolicyViolations } from '../console/drawn.js';
import { startedForTests } from './started-for-tests.js';

/** Debian's chromium, which the console's browser tests drive with playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the console's browser tests run here: where chromium is installed, and in CI (CI=true), where a missing one fails them. */
export const BROWSER_TESTS_RUN = existsSync(CHROMIUM) || process.env.CI === 'true';

/**
 * Chromium for the console's pages, launched for the tests of the describe that calls this
 * beside what `start` starts (the runtime whose console the pages show, at `url`), both stopped
 * after them. Its pages report the console policy's refusals; after each test they are closed,
 * and none may have printed an error, thrown, or had anything refused.
 */
export function useConsoleBrowser<T extends object>(options: {
  start: () => Promise<T>;
  stop: (started: T) => Promise<unknown>;
  url: (started: T) => string;
  viewport?: { width: number; height: number };
  timeoutMs?: number;
}) {
  const problems = new ConsoleProblems();
  const running = startedForTests(
    'the console in chromium',
    async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run) for the console's browser tests`);
      const [started, browser] = await Promise.all([
        options.start(),
        chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
      ]);
      const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {});
      await reportPolicyViolations(context);
      return { started, browser, context };
    },
    async ({ started, browser }) => {
      await browser.close();
      await options.stop(started);
    },
    { timeoutMs: options.timeoutMs },
  );
  afterEach(async () => {
    // Each open page holds a live-feed connection; a browser keeps six per host.
    for (const page of running.context.pages()) await page.close();
    // Every page a test opened: no error in its console, no refusal by the console's Content-Security-Policy.
    expect(problems.take()).toEqual([]);
  });
  const newPage = async (allowed?: RegExp): Promise<Page> => problems.watch(await running.context.newPage(), allowed);
  return {
    get context(): BrowserContext {
      return running.context;
    },
    /** A new page, watched (for a console other than the one started); `allowed` names the problems the test provokes. */
    newPage,
    /** A page of the console at `hash`, watched; `allowed` names the problems the test provokes. */
    async open(hash: string, allowed?: RegExp): Promise<Page> {
      const page = await newPage(allowed);
      await page.goto(`${options.url(running.started)}/${hash}`);
      return page;
    },
  };
}
