import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateTemplateCommand, GetTemplateCommand, ListTemplatesCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK } from './fixture.js';
import { failure, SesRuntime } from './helpers.js';

let app: SesRuntime;

beforeAll(async () => {
  app = await SesRuntime.start();
});

afterAll(() => app?.stop());

/** The fixture's template, changed by `edit`, written back as a newer synth would write it. */
function editTemplate(edit: (resources: Record<string, { Properties: Record<string, unknown> }>) => void): void {
  const file = path.join(app.cdkOut, `${STACK}.template.json`);
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
  edit(template.Resources);
  writeFileSync(file, JSON.stringify(template));
}

describe('SES (local runtime): a reload of the app (switchyard dev)', () => {
  it("applies a changed template in place, removes one the app no longer declares, and keeps the API's own", async () => {
    await app.v1.send(new CreateTemplateCommand({ Template: { TemplateName: 'mine', SubjectPart: 'Mine' } }));
    editTemplate((resources) => {
      (resources.Welcome?.Properties.Template as Record<string, string>).SubjectPart = 'Hello, {{name}}';
      resources.Farewell = {
        Type: 'AWS::SES::Template',
        Properties: { Template: { TemplateName: 'farewell', SubjectPart: 'Bye' } },
      } as never;
    });
    const first = await app.runtime.reload(app.cdkOut);
    expect(first.reloaded).toEqual(expect.arrayContaining(['template welcome', 'template farewell (new)']));
    expect((await app.v1.send(new GetTemplateCommand({ TemplateName: 'welcome' }))).Template?.SubjectPart).toBe('Hello, {{name}}');

    editTemplate((resources) => {
      delete resources.Farewell;
    });
    const second = await app.runtime.reload(app.cdkOut);
    expect(second.reloaded).toContain('template farewell (removed)');
    expect((await failure(app.v1.send(new GetTemplateCommand({ TemplateName: 'farewell' })))).name).toBe('TemplateDoesNotExistException');
    const names = (await app.v1.send(new ListTemplatesCommand({}))).TemplatesMetadata?.map((t) => t.Name);
    expect(names).toEqual(expect.arrayContaining(['welcome', 'mine']));
  });
});
