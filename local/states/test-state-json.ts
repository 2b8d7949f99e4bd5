/**
 * The JSON a TestState request gave (its input, context, variables, mocked result, Map reader
 * data), each array and object of it by its compact text. AWS answers a value the state passes
 * on unchanged in the text the request wrote it in, as its recordings show (LocalStack's
 * test_state/ tests, whose requests Python's json.dumps wrote with `", "` between items): a
 * mocked Parallel's result comes back as `[{"branch1": "result"}, {"branch2": "result"}]`, an
 * array of the context an ItemsPath selects as `["charizard", "pikachu", "bulbasaur"]`; what the
 * state makes of them is written compactly, as in an execution.
 */
export class GivenJson {
  readonly #texts = new Map<string, string>();

  constructor(texts: readonly (string | undefined)[]) {
    for (const text of texts) if (text !== undefined) this.#collect(text);
  }

  /** A compact JSON text as the request wrote its value, or as it is when the request gave no such value. */
  as(text: string): string {
    return this.#texts.get(text) ?? text;
  }

  /** Every array and object of a JSON text, the first text given for a value kept. */
  #collect(text: string): void {
    try {
      JSON.parse(text);
    } catch {
      return; // not JSON: nothing of it comes back
    }
    const open: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = stringEnd(text, i);
      else if (c === '[' || c === '{') open.push(i);
      else if (c === ']' || c === '}') {
        const written = text.slice(open.pop(), i + 1);
        const compact = JSON.stringify(JSON.parse(written));
        if (!this.#texts.has(compact)) this.#texts.set(compact, written);
      }
    }
  }
}

/** The index of the quote that ends the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}
