import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { disposableData, eventually } from '../local/helpers.js';
import { notificationApp } from '../local/sns/fixture.js';

let runtime: LocalRuntime;

/** The console's lineage view of an SNS MessageId (in Debian's chromium): the notification and its subscriptions' outcomes. */
describe.skipIf(!BROWSER_TESTS_RUN)("the console's lineage of an SNS notification in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      runtime = await LocalRuntime.start({ cdkOut: notificationApp(), ...disposableData(), port: 0, log: () => undefined });
      return runtime;
    },
    stop: (started) => started.stop(),
    url: (started) => started.url,
    timeoutMs: 60_000,
  });

  it('draws the notification by its MessageId, the queue message under it and the subscription its filter policy kept it from', async () => {
    const { MessageId } = await runtime.sns.Publish({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:news', Message: 'hello' });
    await eventually(async () => {
      const [root] = (await runtime.readApi.lineage(MessageId)).roots;
      return (root?.children.length ?? 0) >= 3 ? true : undefined;
    }, 30_000);
    const page = await open(`#/lineage/${MessageId}`);
    const tree = page.locator('.lineage ul.tree');
    await tree.waitFor({ timeout: 10_000 });
    const root = tree.locator('> li').first();
    await expect.poll(() => root.locator('> .kind').textContent(), { timeout: 10_000 }).toBe('SNS notification');
    expect(await root.locator('> a').textContent()).toBe('notification to news');
    const filtered = root.locator('li[data-kind="delivery"]');
    expect(await filtered.locator('> .kind').textContent()).toBe('SNS delivery');
    expect(await filtered.textContent()).toContain('filtered out: sqs rare');
    expect(await filtered.locator('> p.error').textContent()).toBe('the filter policy of this subscription did not match the message');
    expect(await root.locator('li[data-kind="message"]').textContent()).toContain('message to inbox');
  });
});
