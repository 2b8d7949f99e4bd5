/** A tiny view layer: elements from tag, attributes and children; nothing is parsed as HTML. */

type Child = Node | string | number | false | null | undefined | readonly Child[];
/** CSS properties by their CSS names (`padding-left`, `width`), set one by one through the CSSOM. */
export type StyleProperties = Readonly<Record<string, string>>;
/**
 * `style` is an object, never text: the console's Content-Security-Policy (`style-src 'self'`,
 * no 'unsafe-inline') refuses a `style` attribute written as text, while properties set from
 * script through the CSSOM (`element.style.setProperty`) are allowed. So a size the page
 * computes (a bar's width, an indent) is drawn, not refused.
 */
type Attributes = { readonly style?: StyleProperties } & Record<
  string,
  string | number | boolean | undefined | ((event: Event) => void) | StyleProperties
>;

export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attributes: Attributes = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element: HTMLElement | SVGElement, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (name === 'style' && typeof value === 'object') {
      for (const [property, text] of Object.entries(value)) element.style.setProperty(property, text);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(typeof child === 'object' ? (child as Node) : String(child));
  }
}

/** Replaces everything in `element` with `children`. */
export function replace(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** `12:03:04` today, else the date too. */
export function time(value: Date | undefined): string {
  if (value === undefined || Number.isNaN(value.getTime())) return '-';
  const today = new Date().toDateString() === value.toDateString();
  return today ? value.toLocaleTimeString([], { hour12: false }) : value.toLocaleString([], { hour12: false });
}

/** `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 5 min`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** JSON text pretty-printed when it parses, as it is otherwise. */
export function prettyJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** An error's message as the page shows it. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
