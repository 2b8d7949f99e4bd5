import { StatesError, TaskFailure, type TaskRequest } from './engine/index.js';
import { stringify } from './engine/json.js';
import { compileJsonataValue, isJsonataTemplate } from './engine/jsonata.js';
import { mapItems } from './engine/map-state.js';
import { compileReferencePath } from './engine/payload.js';

/**
 * What a mocked Map state still does itself before its mock stands for its iterations, as AWS
 * answered it (LocalStack's recordings of test_state/): a JSONPath Map selects its items with its
 * ItemsPath, on its input after InputPath and the Context object it sees (a TestState `context`
 * too), and DEBUG and TRACE show them as afterItemsPath. Items that are not an array fail the
 * state with States.Runtime, which no Retry or Catch takes (the Developer Guide's rule for
 * States.Runtime); the answer then shows the inspection data up to the state's input.
 */
export class MockedMapItems {
  #items: string | undefined;
  #failure: StatesError | undefined;
  readonly #itemsPath;

  constructor(
    state: Record<string, unknown>,
    jsonPath: boolean,
    private readonly variables: Record<string, unknown>,
  ) {
    this.#itemsPath = jsonPath && typeof state.ItemsPath === 'string' ? compileReferencePath(state.ItemsPath) : undefined;
  }

  /** The items as JSON text, once selected. */
  get items(): string | undefined {
    return this.#items;
  }

  /** The States.Runtime error the items gave, if they are not an array. */
  get failure(): StatesError | undefined {
    return this.#failure;
  }

  /** Selects the items on what the mocked state's task is given: its effective input and Context object. */
  select(request: TaskRequest): void {
    if (this.#itemsPath === undefined) return;
    const variables = this.variables;
    try {
      const items = mapItems(this.#itemsPath, {
        input: request.input,
        context: request.context,
        variable: (name) => (Object.hasOwn(variables, name) ? { found: true, value: variables[name] } : { found: false }),
      });
      this.#items = stringify(items);
    } catch (error) {
      if (!(error instanceof StatesError)) throw error;
      this.#failure = error;
      throw new TaskFailure(error.error ?? '', error.cause);
    }
  }
}

/**
 * A Map state's concurrency and tolerated failures: a number as its definition gives it, a
 * JSONata expression evaluated on the state's input and variables (recorded against AWS:
 * `"MaxConcurrency": "{% $variable := 1 %}"` shows as 1); a JSONPath `...Path` is not evaluated.
 */
export async function mapSettings(
  state: Record<string, unknown>,
  input: unknown,
  variables: Record<string, unknown>,
): Promise<Record<string, number>> {
  const evaluated = async (field: string): Promise<unknown> =>
    isJsonataTemplate(state[field]) ? compileJsonataValue(state[field], field)({ states: { input }, variables }) : state[field];
  const settings: Record<string, number> = {};
  const maxConcurrency = await evaluated('MaxConcurrency');
  settings.maxConcurrency = typeof maxConcurrency === 'number' ? maxConcurrency : 0;
  const count = await evaluated('ToleratedFailureCount');
  if (typeof count === 'number') settings.toleratedFailureCount = count;
  const percentage = await evaluated('ToleratedFailurePercentage');
  if (typeof percentage === 'number') settings.toleratedFailurePercentage = percentage;
  return settings;
}
