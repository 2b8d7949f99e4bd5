import { SendEmailCommand, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { BROWSER_TESTS_RUN, useConsoleBrowser } from '../helpers/console-browser.js';
import { textMail } from '../helpers/ses-mail.js';
import { SesRuntime } from '../local/ses/helpers.js';
import { shownText } from './drawn.js';

/** The console's Mail pages in Debian's chromium (npm run test:browser); skipped where chromium is missing, failing in CI. */
let app: SesRuntime;

describe.skipIf(!BROWSER_TESTS_RUN)("the console's Mail pages in a browser", () => {
  const { open } = useConsoleBrowser({
    async start() {
      app = await SesRuntime.start();
      return app;
    },
    stop: (started) => started.stop(),
    url: (started) => started.runtime.url,
    timeoutMs: 60_000,
  });

  it("verifies an address from the link of SES's verification mail, opened from the message's page", async () => {
    await app.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'reviewer@team.test' }));
    const list = await open('#/mail');
    // The text as written: a command in code, no markdown's backticks.
    await list.getByRole('link', { name: /Email Address Verification Request/ }).waitFor({ timeout: 10_000 });
    expect(await shownText(list)).not.toContain('`');
    expect(await list.locator('main p code').first().textContent()).toBe('switchyard mail');
    await list.getByRole('link', { name: /Email Address Verification Request/ }).click();
    const links = list.locator('[data-testid="mail-links"] a');
    await links.first().waitFor({ timeout: 10_000 });
    const [confirmation] = await Promise.all([list.waitForEvent('popup'), links.first().click()]);
    await confirmation.waitForLoadState();
    expect(await confirmation.locator('h1').textContent()).toBe('Email address verified');
    const sent = await app.v1.send(textMail('reviewer@team.test', 'now it arrives', 'hi'));
    expect(sent.MessageId).toBeDefined();
  });

  it("shows a message's HTML in a frame where its scripts do not run, and lists its links", async () => {
    const sent = await app.v1.send(
      new SendEmailCommand({
        Source: 'mailer@example.com',
        Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
        Message: {
          Subject: { Data: 'Approve T-1' },
          Body: {
            Html: {
              Data: '<p id="code">Code 4711</p><a href="https://example.com/approve">Approve</a><script>document.getElementById("code").textContent = "ran"</script>',
            },
          },
        },
      }),
    );
    // The message's own script, refused by the frame's sandbox: what this test sends it for.
    const page = await open(
      `#/mail/${sent.MessageId}`,
      /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/,
    );
    await page.locator('[data-testid="mail-html"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="mail-subject"]').textContent()).toBe('Approve T-1');
    expect(await page.locator('[data-testid="mail-links"] a').getAttribute('href')).toBe('https://example.com/approve');
    const frame = page.frameLocator('[data-testid="mail-html"]');
    expect(await frame.locator('#code').textContent()).toBe('Code 4711');
    expect(await page.locator('[data-testid="mail-html"]').getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
  });
});
