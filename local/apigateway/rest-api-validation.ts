import type { LoadedResource } from '../template/load.js';
import type { HttpResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';
import { compileModel } from './rest-api-model.js';

/**
 * A method's request validation, as its `AWS::ApiGateway::RequestValidator` asks: the
 * required request parameters (`method.request.querystring.x: true`), the body against the
 * method's request model for the content type (JSON Schema draft 4).
 */
export interface RequestValidation {
  readonly parameters?: { readonly querystring: readonly string[]; readonly header: readonly string[]; readonly path: readonly string[] };
  /** The model checker by media type (lower case; `$default` too); a checker returns false when the body is invalid. */
  readonly bodyModels?: ReadonlyMap<string, (body: unknown) => boolean>;
}

type Props = Record<string, unknown>;

/**
 * The validation of one method from its `RequestValidatorId`, `RequestParameters` and
 * `RequestModels`; undefined when it has no validator or the validator checks nothing.
 * `note` collects what cannot be checked locally for the start-up report.
 */
export function requestValidationOf(
  method: Props,
  validators: readonly LoadedResource[],
  models: readonly LoadedResource[],
  label: string,
  note: (what: string, method: string) => void,
): RequestValidation | undefined {
  if (method.RequestValidatorId === undefined) return undefined;
  const validator = validators.find((v) => v.ref === String(method.RequestValidatorId));
  if (validator === undefined) {
    note("request validators that are not among the API's validators are not run", label);
    return undefined;
  }
  const vp = validator.properties as Props;
  const parameters = vp.ValidateRequestParameters === true ? requiredParameters(method) : undefined;
  const bodyModels = vp.ValidateRequestBody === true ? modelCheckers(method, models, label, note) : undefined;
  if (parameters === undefined && bodyModels === undefined) return undefined;
  return { ...(parameters ? { parameters } : {}), ...(bodyModels ? { bodyModels } : {}) };
}

function requiredParameters(method: Props): NonNullable<RequestValidation['parameters']> {
  const found = { querystring: [] as string[], header: [] as string[], path: [] as string[] };
  for (const [key, required] of Object.entries((method.RequestParameters ?? {}) as Props)) {
    const match = /^method\.request\.(querystring|header|path)\.(.+)$/.exec(key);
    if (match && required === true) found[match[1] as keyof typeof found].push(match[2] as string);
  }
  return found;
}

function modelCheckers(
  method: Props,
  models: readonly LoadedResource[],
  label: string,
  note: (what: string, method: string) => void,
): Map<string, (body: unknown) => boolean> | undefined {
  const checkers = new Map<string, (body: unknown) => boolean>();
  for (const [mediaType, modelName] of Object.entries((method.RequestModels ?? {}) as Props)) {
    // `Empty` is API Gateway's built-in model of no constraint; other built-ins are not in the template.
    if (modelName === 'Empty') continue;
    const model = models.find((m) => m.ref === String(modelName) || m.properties.Name === modelName);
    if (model === undefined) {
      note(`request models that are not among the API's models (${String(modelName)}) are not checked`, label);
      continue;
    }
    const raw = model.properties.Schema;
    let schema: unknown;
    try {
      schema = typeof raw === 'string' ? JSON.parse(raw) : (raw ?? {});
    } catch (error) {
      note(`request models whose schema is not JSON (${String(modelName)}: ${(error as Error).message}) are not checked`, label);
      continue;
    }
    let compiled: ReturnType<typeof compileModel>;
    try {
      compiled = compileModel(schema);
    } catch (error) {
      // A pattern that is no regular expression: API Gateway refuses such a model when it is deployed.
      note(`request model ${String(modelName)} could not be read (${(error as Error).message}); bodies are not checked`, label);
      continue;
    }
    if (compiled.unchecked.length > 0) {
      note(
        `request model ${String(modelName)}: the keywords ${compiled.unchecked.join(', ')} are not checked locally; the rest of the model is`,
        label,
      );
    }
    checkers.set(mediaType.toLowerCase(), compiled.check);
  }
  return checkers.size === 0 ? undefined : checkers;
}

/** The parts of a request validation reads: the proxy event's parameter maps, the body as text. */
export interface ValidatedRequest {
  readonly contentType?: string;
  readonly body: string;
  readonly querystring: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

/**
 * API Gateway's 400 (and its message, for the access log) for a request that fails its method's validation, or undefined when it
 * passes. Parameters are checked before the body; a parameter that is present but blank is
 * missing, as API Gateway counts it.
 */
export function validateRequest(
  validation: RequestValidation,
  request: ValidatedRequest,
): { readonly response: HttpResponse; readonly message: string } | undefined {
  const badRequest = (message: string) => ({ response: restError(400, message, 'BadRequestException'), message });
  if (validation.parameters) {
    const headerNames = new Map(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const blank = (value: string | undefined) => value === undefined || value.trim() === '';
    const missing = [
      ...validation.parameters.path.filter((name) => blank(request.path[name])),
      ...validation.parameters.querystring.filter((name) => blank(request.querystring[name])),
      ...validation.parameters.header.filter((name) => blank(headerNames.get(name.toLowerCase()))),
    ];
    if (missing.length > 0) {
      return badRequest(`Missing required request parameters: [${missing.join(', ')}]`);
    }
  }
  if (validation.bodyModels) {
    // No Content-Type is read as application/json, as API Gateway does; a type with no model falls back to `$default`.
    const mediaType = (request.contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
    const check = validation.bodyModels.get(mediaType) ?? validation.bodyModels.get('$default');
    if (check !== undefined && !isValidJson(request.body, check)) {
      return badRequest('Invalid request body');
    }
  }
  return undefined;
}

/** A body that is not JSON (an empty one included) fails every model, whatever the model says. */
function isValidJson(body: string, check: (value: unknown) => boolean): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false; // the verdict, not a lost error: the caller answers "Invalid request body"
  }
  return check(value);
}
