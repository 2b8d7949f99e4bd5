import { AwsError } from '../endpoint/aws-error.js';
import { FixtureFileError, FixturesBackend } from './fixtures.js';
import { ModelErrorError } from './model-settings-errors.js';
import { OpenAiBackend } from './openai.js';
import { RealBedrockBackend } from './real-bedrock.js';
import { type LatencyRange, type ModelBackend, SimulatedBackend } from './simulated.js';

/** Faults a route adds to its backend's answers, to exercise retries and flow control. */
export interface Faults {
  /** Share of calls refused with ThrottlingException (0..1). */
  readonly throttle: number;
  /** Share of calls failed with ModelErrorException (0..1). */
  readonly error: number;
  /** Share of calls failed with ModelTimeoutException (0..1). */
  readonly timeout: number;
  /** Share of calls failed with ServiceUnavailableException (0..1). */
  readonly unavailable: number;
  /** Milliseconds added to every call. */
  readonly delay: number;
}

/** One entry of SWITCHYARD_MODELS: the models it applies to, their backend and faults. */
export interface ModelRoute {
  /** A glob over model ids (`*` any run of characters); undefined for every model. */
  readonly pattern?: string;
  readonly backend: ModelBackend;
  readonly faults: Faults;
  /** The entry as written, for the start-up report. */
  readonly spec: string;
  /** Option `eol=serve`: answer models past their end of life (AWS refuses them) instead of refusing them as AWS does. */
  readonly serveEndOfLife?: boolean;
}

export { ModelErrorError } from './model-settings-errors.js';

export class ModelSettingsError extends Error {
  override readonly name = 'ModelSettingsError';
}

const NO_FAULTS: Faults = { throttle: 0, error: 0, timeout: 0, unavailable: 0, delay: 0 };
const RATES = ['throttle', 'error', 'timeout', 'unavailable'] as const;

/**
 * Reads SWITCHYARD_MODELS: comma-separated entries `[<model glob>=]<backend>[?<option>=<value>&...]`,
 * the first entry whose glob matches a model answering it; an entry without glob serves the
 * others (default `simulated`). Options: `throttle`, `error`, `timeout`, `unavailable` (rates
 * 0..1), `delay` (ms added), `eol=serve` (answer models past their end of life, which AWS
 * refuses), and for `simulated`, `latency=<min>..<max>` (ms, uniform).
 * `fixtures:<file>[|<backend>]` replays recorded exchanges; with `record` (SWITCHYARD_MODELS_RECORD=1)
 * or as `record:<file>|<backend>` it records what <backend> answers for requests the file lacks.
 * e.g. `anthropic.claude-*=simulated?throttle=0.2,simulated?latency=20..80`.
 */
/** How the settings are read: whether fixtures record (SWITCHYARD_MODELS_RECORD=1), and the runtime's region (`bedrock`'s default). */
export interface SettingsContext {
  readonly record?: boolean;
  readonly region?: string;
}

export function parseModelSettings(value: string | undefined, context: SettingsContext = {}): ModelRoute[] {
  const text = (value ?? '').trim() || 'simulated';
  const routes = text.split(',').map((entry) => parseEntry(entry.trim(), context));
  if (!routes.some((route) => route.pattern === undefined)) routes.push(parseEntry('simulated', context));
  return routes;
}

function parseEntry(entry: string, context: SettingsContext): ModelRoute {
  // A glob is what comes before the first `=`, unless that is already a backend's spec (an option, a URL, a file).
  const eq = /^(?!(?:fixtures|record|openai|bedrock):)([^=?/|]+)=(.+)$/.exec(entry);
  const pattern = eq ? eq[1] : undefined;
  const rest = eq ? (eq[2] ?? '') : entry;
  const q = rest.lastIndexOf('?');
  const spec = q >= 0 ? rest.slice(0, q) : rest;
  const options = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : '');
  const faults = { ...NO_FAULTS } as { -readonly [K in keyof Faults]: number };
  for (const name of RATES) {
    const raw = options.get(name);
    if (raw === null) continue;
    const rate = Number(raw);
    if (!(rate >= 0 && rate <= 1))
      throw new ModelSettingsError(`SWITCHYARD_MODELS entry "${entry}": ${name} must be a rate between 0 and 1, not "${raw}"`);
    faults[name] = rate;
  }
  const delay = options.get('delay');
  if (delay !== null) {
    if (!(Number(delay) >= 0))
      throw new ModelSettingsError(`SWITCHYARD_MODELS entry "${entry}": delay must be milliseconds, not "${delay}"`);
    faults.delay = Number(delay);
  }
  const eol = options.get('eol');
  if (eol !== null && eol !== 'serve' && eol !== 'refuse') {
    throw new ModelSettingsError(`SWITCHYARD_MODELS entry "${entry}": eol must be serve or refuse, not "${eol}"`);
  }
  return {
    ...(pattern ? { pattern } : {}),
    backend: backendOf(spec, options, entry, context),
    faults,
    spec: entry,
    ...(eol === 'serve' ? { serveEndOfLife: true } : {}),
  };
}

function backendOf(spec: string, options: URLSearchParams, entry: string, context: SettingsContext): ModelBackend {
  if (spec === 'simulated') return new SimulatedBackend(latencyOf(options.get('latency'), entry));
  const fixtures = /^(fixtures|record):([^|]+)(?:\|(.+))?$/.exec(spec);
  if (fixtures) {
    const source = fixtures[3] === undefined ? undefined : backendOf(fixtures[3], options, entry, { ...context, record: false });
    const recording = context.record === true || fixtures[1] === 'record';
    if (recording && !source)
      throw new ModelSettingsError(
        `SWITCHYARD_MODELS entry "${entry}": recording needs the backend to record from: ${fixtures[1]}:<file>|<backend>`,
      );
    try {
      return new FixturesBackend(fixtures[2] ?? '', source, recording);
    } catch (error) {
      if (error instanceof FixtureFileError) throw new ModelSettingsError(`SWITCHYARD_MODELS entry "${entry}": ${error.message}`);
      throw error;
    }
  }
  const openai = /^openai:(https?:\/\/.+)$/.exec(spec);
  if (openai) return new OpenAiBackend(openai[1] ?? '', options.get('model') ?? undefined);
  const bedrock = /^bedrock(?::([a-z0-9-]+))?$/.exec(spec);
  if (bedrock) return new RealBedrockBackend(bedrock[1] ?? context.region ?? 'us-east-1', options.get('endpoint') ?? undefined);
  const kind = /^(fixtures|record|openai|bedrock)(:|$)/.exec(spec)?.[1];
  if (kind)
    throw new ModelSettingsError(
      `SWITCHYARD_MODELS entry "${entry}": "${spec}" is not how the ${kind} backend is written (fixtures:<file>[|<backend>], record:<file>|<backend>, openai:<http(s) base url>, bedrock[:<region>])`,
    );
  throw new ModelSettingsError(
    `SWITCHYARD_MODELS entry "${entry}": unknown backend "${spec}" (simulated, fixtures:<file>, openai:<base url>, bedrock)`,
  );
}

function latencyOf(value: string | null, entry: string): LatencyRange | undefined {
  if (value === null) return undefined;
  const range = /^(\d+(?:\.\d+)?)(?:\.\.(\d+(?:\.\d+)?))?$/.exec(value);
  const min = Number(range?.[1]);
  const max = range?.[2] === undefined ? min : Number(range[2]);
  if (!range || max < min)
    throw new ModelSettingsError(`SWITCHYARD_MODELS entry "${entry}": latency must be <ms> or <min>..<max>, not "${value}"`);
  return { min, max };
}

const globMatches = (pattern: string, id: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(id);

/** The route that answers a model: the first whose glob matches its id (or the id requested: a profile id, an ARN), else the entry without a glob. */
export function routeFor(routes: readonly ModelRoute[], modelId: string, requested: string): ModelRoute {
  const matched = routes.find((r) => r.pattern !== undefined && (globMatches(r.pattern, modelId) || globMatches(r.pattern, requested)));
  // parseModelSettings always leaves an entry without a glob: it answers the models no glob names, wherever it stands.
  return matched ?? (routes.find((r) => r.pattern === undefined) as ModelRoute);
}

/**
 * SWITCHYARD_MODELS as `routes` read it, with an entry in front that answers `modelId` past its
 * end of life (`eol=serve`) from the backend, with the options, that answers it now.
 */
export function servingEndOfLife(routes: readonly ModelRoute[], modelId: string): string {
  const route = routeFor(routes, modelId, modelId);
  const spec = route.pattern === undefined ? route.spec : route.spec.slice(route.pattern.length + 1);
  // Options are what follows the spec's last `?` (parseEntry): one more goes after them.
  const entry = `${modelId}=${spec}${spec.includes('?') ? '&' : '?'}eol=serve`;
  return [entry, ...routes.map((r) => r.spec)].join(',');
}

/** Applies a route's faults before its backend answers: a delay, then a throttle, timeout, outage or model error by its rate. */
export async function injectFaults(faults: Faults, modelId: string, random: () => number = Math.random): Promise<void> {
  if (faults.delay > 0) await new Promise((resolve) => setTimeout(resolve, faults.delay));
  if (random() < faults.throttle) throw new AwsError('ThrottlingException', 'Too many requests, please wait before trying again.', 429);
  if (random() < faults.timeout)
    throw new AwsError('ModelTimeoutException', 'Model has timed out in processing the request. Try your request again.', 408);
  if (random() < faults.unavailable) throw new AwsError('ServiceUnavailableException', 'Bedrock is unable to process your request.', 503);
  if (random() < faults.error)
    throw new ModelErrorError(`The model ${modelId} returned an error (a fault SWITCHYARD_MODELS injects).`, 500, modelId);
}
