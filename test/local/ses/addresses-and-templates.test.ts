import { describe, expect, it } from 'vitest';
import { parseAddress, simulatorOutcome } from '../../../local/ses/addresses.js';
import { linksOf } from '../../../local/ses/mime.js';
import { parseTemplateData, type RenderingFailure, renderTemplate } from '../../../local/ses/templates.js';

describe('parseAddress', () => {
  it('reads a bare address and one with a display name', () => {
    expect(parseAddress('jane@example.com')).toEqual({ given: 'jane@example.com', address: 'jane@example.com' });
    expect(parseAddress(' Jane Doe <jane@example.com> ')).toEqual({ given: 'Jane Doe <jane@example.com>', address: 'jane@example.com' });
    expect(parseAddress('"odd local"@example.com').address).toBe('"odd local"@example.com');
  });

  it("fails if an address is not one, with JavaMail's reason, as SES answers", () => {
    const reason = (given: string) => {
      try {
        parseAddress(given);
        return 'accepted';
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    };
    expect(reason('jane')).toBe("InvalidParameterValue: Missing final '@domain'");
    expect(reason('jane@')).toBe('InvalidParameterValue: Missing domain');
    expect(reason('@example.com')).toBe('InvalidParameterValue: Missing local name');
    expect(reason('ja ne@example.com')).toBe('InvalidParameterValue: Local address contains control or whitespace');
    expect(reason('jane@exa mple.com')).toBe('InvalidParameterValue: Domain contains control or whitespace');
    expect(reason('jane@exa_mple.com')).toBe('InvalidParameterValue: Domain contains illegal character');
    expect(reason('ja..ne@example.com')).toBe('InvalidParameterValue: Local address contains dot-dot');
    expect(reason('jane@example..com')).toBe('InvalidParameterValue: Domain contains dot-dot');
    expect(reason('Jane <jane@example.com> extra')).toBe('InvalidParameterValue: Illegal address');
    expect(reason('')).toBe('InvalidParameterValue: Empty address');
  });
});

describe('simulatorOutcome', () => {
  it("reads the mailbox simulator's outcome from the local part, a +label aside", () => {
    expect(simulatorOutcome('bounce+case1@simulator.amazonses.com')).toBe('bounce');
    expect(simulatorOutcome('Complaint@Simulator.AmazonSES.com')).toBe('complaint');
    expect(simulatorOutcome('bounce@example.com')).toBeUndefined();
  });
});

describe('renderTemplate', () => {
  const render = (source: string, data: Record<string, unknown>) => renderTemplate('T', { subject: source }, data).subject;

  it('renders nested attributes, iteration, conditions and inline partials, as SES supports them', () => {
    expect(render('{{user.name}} has {{#each items}}[{{this}}]{{/each}}', { user: { name: 'Ann' }, items: ['a', 'b'] })).toBe(
      'Ann has [a][b]',
    );
    expect(render('{{#if vip}}VIP{{else}}regular{{/if}}', {})).toBe('regular');
    expect(render('{{#* inline "sign"}}-- {{team}}{{/inline}}Bye {{> sign}}', { team: 'ops' })).toBe('Bye -- ops');
    expect(render('{{url}} {{{url}}}', { url: 'a?b=1&c' })).toBe('a?b&#x3D;1&amp;c a?b=1&c');
  });

  it('fails if the data lacks an attribute a template writes out, or has it null, naming it as SES does', () => {
    const failure = (source: string, data: Record<string, unknown>) => {
      try {
        render(source, data);
        return 'rendered';
      } catch (error) {
        return `${(error as RenderingFailure).code}: ${(error as Error).message}`;
      }
    };
    expect(failure('Hi {{name}}', {})).toBe("MissingRenderingAttribute: Attribute 'name' is not present in the rendering data.");
    expect(failure('Hi {{user.name}}', { user: {} })).toBe(
      "MissingRenderingAttribute: Attribute 'user.name' is not present in the rendering data.",
    );
    expect(failure('Hi {{name}}', { name: null })).toBe(
      "MissingRenderingAttribute: Attribute 'name' is not present in the rendering data.",
    );
    expect(failure('{{#if}}', {})).toMatch(/^InvalidTemplate: Template T is invalid: Parse error/);
  });

  it("fails if the data is not a JSON object, with SES's InvalidRenderingParameter", () => {
    expect(() => parseTemplateData('[1]')).toThrow('Template rendering data is invalid');
    expect(() => parseTemplateData('{oops')).toThrow('Template rendering data is invalid');
    expect(parseTemplateData('')).toEqual({});
  });
});

describe('linksOf', () => {
  it("finds the HTML part's links with their text, then the text part's URLs, once each", () => {
    expect(
      linksOf({
        html: '<p><a class="x" href="https://a.test/v?t=1&amp;u=2"><b>Verify</b></a> <a href=\'mailto:x@y\'>mail</a></p>',
        text: 'Open https://a.test/v?t=1&u=2 or https://b.test/x.',
      }),
    ).toEqual([
      { href: 'https://a.test/v?t=1&u=2', text: 'Verify' },
      { href: 'https://b.test/x', text: 'https://b.test/x' },
    ]);
  });
});
