import { SendEmailCommand } from '@aws-sdk/client-ses';

/** SES v1's SendEmail of a plain-text mail to `to`, from `from` (mailer@example.com unless given). */
export function textMail(to: string, subject: string, text: string, from = 'mailer@example.com'): SendEmailCommand {
  return new SendEmailCommand({
    Source: from,
    Destination: { ToAddresses: [to] },
    Message: { Subject: { Data: subject }, Body: { Text: { Data: text } } },
  });
}
