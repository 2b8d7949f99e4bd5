import type { BrowserContext, Locator, Page } from 'playwright-core';

/**
 * What the console's browser tests read of a page as a user sees it: the boxes the browser
 * drew (not that an element exists, which it does even when the policy refused its sizes),
 * and every error the page's console printed, uncaught exception and refusal by its
 * Content-Security-Policy.
 */

/** A rectangle as the browser laid it out (CSS pixels of the viewport). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Makes every page of `context` print each `securitypolicyviolation` it meets as a console
 * error, so that {@link ConsoleProblems} hears refusals Chromium itself reports only once per
 * kind (a refused inline style attribute is one event per element).
 */
export async function reportPolicyViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      console.error('securitypolicyviolation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline') + (e.sample ? ' ' + e.sample : ''));
    }, true);`,
  });
}

/** The errors and warnings of the pages a test watches: none is the only right answer. */
export class ConsoleProblems {
  readonly #seen = new Map<Page, string[]>();

  /** Records what `page` prints as an error or warning and what it throws; `allowed` names lines a test expects (a refusal it provokes). */
  watch(page: Page, allowed?: RegExp): Page {
    const seen: string[] = [];
    this.#seen.set(page, seen);
    page.on('console', (m) => {
      if ((m.type() === 'error' || m.type() === 'warning') && !allowed?.test(m.text())) seen.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
    return page;
  }

  /** Every problem of every watched page, each with its page's address; forgets the pages. */
  take(): string[] {
    const found = [...this.#seen].flatMap(([page, seen]) => seen.map((line) => `${page.url()} ${line}`));
    this.#seen.clear();
    return found;
  }
}

/** Where the browser drew `locator`'s element. */
export function boxOf(locator: Locator): Promise<Box> {
  return locator.evaluate((element) => {
    const r = element.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
}

/** Where the browser drew each element `locator` matches, in order. */
export function boxesOf(locator: Locator): Promise<Box[]> {
  return locator.evaluateAll((elements) =>
    elements.map((element) => {
      const r = element.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
}

/** Where the browser drew the first text of `locator`'s element: its indent is the text's, not the box's. */
export function textBoxOf(locator: Locator): Promise<Box> {
  return locator.evaluate((element) => {
    const walker = element.ownerDocument.createTreeWalker(element, 4 /* NodeFilter.SHOW_TEXT */);
    let text = walker.nextNode();
    while (text && !text.textContent?.trim()) text = walker.nextNode();
    const range = element.ownerDocument.createRange();
    range.selectNodeContents(text ?? element);
    const r = range.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
}

/** The text a user reads on the page (rendered text: hidden elements left out, markup as the browser shows it). */
export function shownText(page: Page, selector = 'main'): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is the point (what a user reads, not what the DOM holds).
  return page.locator(selector).first().innerText();
}

/** A CSS property of `locator`'s element as the browser computed it (`fill`, `background-color`): the colour drawn. */
export function paintOf(locator: Locator, property: string): Promise<string> {
  return locator.evaluate(
    (element, name) => element.ownerDocument.defaultView?.getComputedStyle(element).getPropertyValue(name) ?? '',
    property,
  );
}

/** The text a user reads in each element `locator` matches, in order (rendered text, as {@link shownText}). */
export function shownTexts(locator: Locator): Promise<string[]> {
  return locator.evaluateAll((elements) =>
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out is the point.
    elements.map((element) => ('innerText' in element ? String(element.innerText) : (element.textContent ?? ''))),
  );
}
