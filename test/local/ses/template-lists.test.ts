import { constants } from 'node:sqlite';
import { CreateTemplateCommand, ListTemplatesCommand } from '@aws-sdk/client-ses';
import { ListEmailTemplatesCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, SesRuntime } from './helpers.js';

let app: SesRuntime;

beforeAll(async () => {
  app = await SesRuntime.start();
  // After the fixture's `welcome`, in creation order.
  for (const name of ['t1', 't2', 't3', 't4']) {
    await app.v1.send(new CreateTemplateCommand({ Template: { TemplateName: name, SubjectPart: 's', HtmlPart: 'x'.repeat(100_000) } }));
  }
});

afterAll(() => app?.stop());

describe('SES (local runtime): lists of templates', () => {
  it('lists templates oldest first, a page at a time, in both APIs', async () => {
    const first = await app.v1.send(new ListTemplatesCommand({ MaxItems: 2 }));
    expect(first.TemplatesMetadata?.map((t) => t.Name)).toEqual(['welcome', 't1']);
    const second = await app.v1.send(new ListTemplatesCommand({ MaxItems: 2, NextToken: first.NextToken }));
    expect(second.TemplatesMetadata?.map((t) => t.Name)).toEqual(['t2', 't3']);
    const last = await app.v2.send(new ListEmailTemplatesCommand({ PageSize: 2, NextToken: second.NextToken }));
    expect(last.TemplatesMetadata?.map((t) => t.TemplateName)).toEqual(['t4']);
    expect(last.NextToken).toBeUndefined();
    expect(last.TemplatesMetadata?.[0]?.CreatedTimestamp).toBeInstanceOf(Date);
  });

  it('lists templates without reading their contents, so a page costs the same however large the templates are', async () => {
    // A page read every template's subject, HTML and text (up to 500 KB each on AWS): a client
    // keeping many large templates made each list block the runtime for as long as that took.
    const { db } = app.runtime.ses.store;
    const read = new Set<string>();
    db.setAuthorizer((action, table, column) => {
      if (action === constants.SQLITE_READ && table === 'templates') read.add(column ?? '');
      return constants.SQLITE_OK;
    });
    try {
      await app.v1.send(new ListTemplatesCommand({ MaxItems: 2 }));
      await app.v2.send(new ListEmailTemplatesCommand({}));
    } finally {
      db.setAuthorizer(null);
    }
    expect([...read].sort()).toEqual(['created_at', 'name']);
  });

  it('fails if a NextToken is no offset of the list, with InvalidParameterValue (v1) and BadRequestException (v2)', async () => {
    for (const token of ['x', '-1', '1.5', '9007199254740993']) {
      expect(await failure(app.v1.send(new ListTemplatesCommand({ NextToken: token })))).toEqual({
        name: 'InvalidParameterValue',
        status: 400,
        message: 'Invalid pagination token.',
      });
      expect((await failure(app.v2.send(new ListEmailTemplatesCommand({ NextToken: token })))).name).toBe('BadRequestException');
    }
  });
});
