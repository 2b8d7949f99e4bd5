import { ExchangeFile, exchangeDigest, FixtureFileError } from '../bedrock/fixtures.js';
import { ModelSettingsError, parseModelSettings } from '../bedrock/model-settings.js';
import type { ModelBackend } from '../bedrock/simulated.js';
import { validationError } from '../endpoint/aws-error.js';

/** A leaf service's backend, as SWITCHYARD_AI_SERVICES names it for the service. */
export type LeafBackend =
  | { readonly kind: 'simulated' }
  | { readonly kind: 'fixtures'; readonly file: string; readonly exchanges: FixtureExchanges }
  /** Its model-call operations (Translate's, Comprehend's classification) answered by one of the local Bedrock's backends. */
  | { readonly kind: 'model'; readonly spec: string; readonly model: ModelBackend };

/** The operations' recorded outputs, by `<service>:<Operation>` and the input's digest. */
export type FixtureExchanges = ExchangeFile<unknown, unknown>;

/** A SWITCHYARD_AI_SERVICES value that cannot be read: names the entry and what would be accepted. */
export class LeafSettingsError extends Error {
  override readonly name = 'LeafSettingsError';
}

/** What the settings are read against: each service's name, and whether it has operations answered as model calls. */
export interface LeafServiceNames {
  readonly names: readonly string[];
  readonly modelCalls: ReadonlySet<string>;
}

/**
 * Reads SWITCHYARD_AI_SERVICES (`--ai-services`): comma-separated entries
 * `[<service>=]<backend>`, the entry naming a service choosing its backend, the one without a
 * name every other service's (default `simulated`). Backends: `simulated`; `fixtures:<file>`
 * (recorded outputs replayed by the input's digest); for a service whose operations include
 * model calls (Translate, Comprehend's classification), a backend of SWITCHYARD_MODELS
 * (`openai:<base url>[?model=<name>]`, `bedrock[:<region>]`) answering those, the others simulated.
 * e.g. `translate=openai:http://127.0.0.1:11434/v1?model=llama3.2,textract=fixtures:textract.jsonl`.
 */
export function parseLeafBackends(value: string | undefined, services: LeafServiceNames): ReadonlyMap<string, LeafBackend> {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const named = new Map<string, LeafBackend>();
  let fallback: LeafBackend = { kind: 'simulated' };
  for (const entry of entries) {
    // A service's name may have hyphens (bedrock-data-automation-runtime).
    const m = /^([a-z][a-z-]*)=(.+)$/.exec(entry);
    const service = m?.[1];
    if (service !== undefined && !services.names.includes(service)) {
      throw new LeafSettingsError(`SWITCHYARD_AI_SERVICES entry "${entry}": unknown service "${service}" (${services.names.join(', ')})`);
    }
    const backend = backendOf(m?.[2] ?? entry, entry, service, services);
    if (service === undefined) fallback = backend;
    else named.set(service, backend);
  }
  return new Map(services.names.map((name) => [name, named.get(name) ?? fallback]));
}

function backendOf(spec: string, entry: string, service: string | undefined, services: LeafServiceNames): LeafBackend {
  if (spec === 'simulated') return { kind: 'simulated' };
  const fixtures = /^fixtures:(.+)$/.exec(spec);
  if (fixtures) {
    const file = fixtures[1] as string;
    try {
      return {
        kind: 'fixtures',
        file,
        exchanges: new ExchangeFile(file, false, (answer) => (answer === undefined ? 'answer' : undefined)),
      };
    } catch (error) {
      if (error instanceof FixtureFileError)
        throw new LeafSettingsError(`SWITCHYARD_AI_SERVICES entry "${entry}": ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (/^(openai|bedrock)(:|$)/.test(spec)) {
    if (service === undefined || !services.modelCalls.has(service)) {
      const which = [...services.modelCalls].join(', ');
      throw new LeafSettingsError(
        `SWITCHYARD_AI_SERVICES entry "${entry}": a model backend answers only the services whose operations are model calls (${which}); name one: <service>=${spec}`,
      );
    }
    try {
      const [route] = parseModelSettings(spec);
      return { kind: 'model', spec, model: (route as { backend: ModelBackend }).backend };
    } catch (error) {
      if (error instanceof ModelSettingsError)
        throw new LeafSettingsError(`SWITCHYARD_AI_SERVICES entry "${entry}": ${error.message}`, { cause: error });
      throw error;
    }
  }
  throw new LeafSettingsError(
    `SWITCHYARD_AI_SERVICES entry "${entry}": unknown backend "${spec}" (simulated, fixtures:<file>, or for ${[...services.modelCalls].join(', ')} openai:<base url> or bedrock)`,
  );
}

/** How the start-up report names a backend. */
export function backendLabel(backend: LeafBackend): string {
  if (backend.kind === 'simulated') return 'simulated';
  if (backend.kind === 'fixtures') return `fixtures:${backend.file}`;
  return `model calls to ${backend.spec}, other operations simulated`;
}

/** The recorded output of an operation, or ValidationException naming the request's digest and where to record it. */
export function replay(backend: Extract<LeafBackend, { kind: 'fixtures' }>, service: string, operation: string, input: unknown): unknown {
  const digest = exchangeDigest(input);
  const found = backend.exchanges.find(`${service}:${operation}`, digest);
  if (found !== undefined) return found;
  throw validationError(
    `No fixture in ${backend.file} matches this ${service}:${operation} request (digest ${digest}). Add a line {"model":"${service}:${operation}","digest":"${digest}","request":<the request>,"answer":<its output>} to replay it.`,
  );
}
