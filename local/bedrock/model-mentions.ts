import type { FunctionDefinition } from '../lambda/core/function-definition.js';
import { functionCode } from '../lambda/runtime/unhosted-clients.js';
import type { StateMachineTemplate } from '../states/definitions.js';
import type { LoadedApp } from '../template/load.js';
import { CATALOGUE, type CatalogueEntry } from './catalogue.js';
import { profileInRegion } from './model-ids.js';
import { type ModelRoute, routeFor, servingEndOfLife } from './model-settings.js';

/** The models a call can be refused for whatever its body: past their end of life on AWS, or not answered here. */
const REFUSABLE = CATALOGUE.filter((model) => model.lifecycle.status === 'eol' || model.notServed !== undefined);
const BY_ID = new Map(REFUSABLE.map((model) => [model.id, model]));

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * One of those ids as code names it: bare, as a system inference profile id (`us.`, `global.`,
 * ...) or at the end of an ARN, and not part of a longer id (`anthropic.claude-v2` is not named
 * by `anthropic.claude-v2:1`); a sentence's full stop may follow it.
 */
const MENTION = new RegExp(
  `(?<![\\w.-])(?:(?:us|us-gov|eu|apac|jp|au|ca|global)\\.)?(${REFUSABLE.map((m) => literal(m.id)).join('|')})(?![\\w:-]|\\.\\w)`,
  'g',
);

/** Any model's id behind a geographic inference profile's prefix (`eu.`, ...), which Bedrock knows only in that geography's Regions. */
const GEOGRAPHIC_MENTION = new RegExp(
  `(?<![\\w.-])(us|us-gov|eu|apac|jp|au|ca)\\.(${CATALOGUE.map((m) => literal(m.id)).join('|')})(?![\\w:-]|\\.\\w)`,
  'g',
);
const ANY_BY_ID = new Map(CATALOGUE.map((model) => [model.id, model]));

/** The runtime's Region, and those the app's stacks were synthesized for (a profile of theirs is answered). */
interface Regions {
  readonly region: string;
  readonly stackRegions?: readonly string[];
}

/** A model a resource names that the local Bedrock refuses, as the resource names it, and why. */
interface Mention {
  readonly model: CatalogueEntry;
  /** The id, profile id or ARN tail as written. */
  readonly written: string;
  /** Refused as AWS refuses it (past its end of life, or a profile of another geography than the Region's), or not answered here. */
  readonly refusal: 'eol' | 'not-served' | 'other-geography';
}

/** Why the local Bedrock refuses a call naming `written`, as checkServed decides it; undefined where it answers it. */
function refusalOf(model: CatalogueEntry, written: string, routes: readonly ModelRoute[]): Mention['refusal'] | undefined {
  if (model.lifecycle.status === 'eol' && routeFor(routes, model.id, written).serveEndOfLife !== true) return 'eol';
  // A video model is answered through StartAsyncInvoke; its InvokeModel calls fail in AWS too.
  return model.notServed === undefined || model.through === 'StartAsyncInvoke' ? undefined : 'not-served';
}

/** The refused models `texts` name, once each, in the order first named. */
function refusedMentions(texts: Iterable<string>, routes: readonly ModelRoute[], regions: Regions): Mention[] {
  const found = new Map<string, Mention>();
  for (const text of texts) {
    for (const match of text.matchAll(GEOGRAPHIC_MENTION)) {
      const model = ANY_BY_ID.get(match[2] ?? '');
      if (model === undefined || found.has(model.id) || profileInRegion(match[1] ?? '', regions.region, regions.stackRegions)) continue;
      found.set(model.id, { model, written: match[0], refusal: 'other-geography' });
    }
    for (const match of text.matchAll(MENTION)) {
      const model = BY_ID.get(match[1] ?? '');
      if (model === undefined || found.has(model.id)) continue;
      const refusal = refusalOf(model, match[0], routes);
      if (refusal !== undefined) found.set(model.id, { model, written: match[0], refusal });
    }
  }
  return [...found.values()];
}

/** What a resource's calls to the model get, and (past its end of life) how to run it anyway. */
function consequence({ model, written, refusal }: Mention, routes: readonly ModelRoute[], { region }: Regions): string {
  if (refusal === 'other-geography') {
    // The runtime runs every stack in its own Region: the profiles offered there are the way to run it.
    const here = model.profiles.filter((prefix) => profileInRegion(prefix, region)).map((prefix) => `${prefix}.${model.id}`);
    const instead = here.length === 0 ? `no profile of ${model.id} is offered in ${region}` : `in ${region} call ${here.join(' or ')}`;
    return `names ${written}, an inference profile Bedrock has only in its geography's Regions: in ${region} its calls get ValidationException (The provided model identifier is invalid), as AWS answers; ${instead}`;
  }
  if (refusal === 'not-served') {
    const answered = `names ${written}, which the local Bedrock does not answer (${model.notServed})`;
    // A model AWS serves through an operation the local Bedrock does not serve: that operation's calls never reach the model check.
    if (model.through !== undefined) {
      return `${answered}: its ${model.through} calls get UnknownOperationException (the local Bedrock does not serve ${model.through}), InvokeModel and Converse ValidationException`;
    }
    return `${answered}: its calls get ValidationException`;
  }
  const eol = model.lifecycle.status === 'eol' ? model.lifecycle.eol : '';
  return `names ${written}, which reached end of life on AWS on ${eol}: Bedrock answers ResourceNotFoundException, as AWS does; to run it anyway: SWITCHYARD_MODELS='${servingEndOfLife(routes, model.id)}'`;
}

/**
 * The start-up report's lines for each function (its code and environment) and state machine
 * (its definition) that names a model the local Bedrock refuses: one past its end of life on
 * AWS (unless its SWITCHYARD_MODELS entry says `eol=serve`), tagged `[as in AWS]`, since AWS
 * refuses it too, as is a geographic inference profile of another geography than `region`'s;
 * one Bedrock serves that is not answered here, a difference from AWS.
 */
export function refusedModelWarnings(
  functions: readonly FunctionDefinition[],
  stateMachines: readonly StateMachineTemplate[],
  routes: readonly ModelRoute[],
  regions: Regions,
): string[] {
  const resources = [
    ...functions.map((fn) => ({
      what: `function ${fn.name} (AWS::Lambda::Function)`,
      // Read file by file as the scan goes (an asset may hold many megabytes of code).
      *texts() {
        yield Object.values(fn.environment).join('\n');
        yield* functionCode(fn);
      },
    })),
    ...stateMachines.map((machine) => ({
      what: `state machine ${machine.name} (AWS::StepFunctions::StateMachine)`,
      *texts() {
        yield machine.definition;
      },
    })),
  ];
  return resources.flatMap(({ what, texts }) =>
    refusedMentions(texts(), routes, regions).map((mention) => {
      const line = `${what}: ${consequence(mention, routes, regions)}`;
      return mention.refusal === 'not-served' ? line : `[as in AWS] ${line}`;
    }),
  );
}

/** The resources through which an app reaches Bedrock: the grants its callers need, and the state machines that call it themselves. */
const CALLER_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::StepFunctions::StateMachine']);

/**
 * Whether the app may call a model: one of its policies or roles names Bedrock (a `bedrock:`
 * action, a Bedrock managed policy) or a state machine calls it. What the warm-up reads the
 * tokenizer ahead for; a wrong guess costs only that (a model call's first token count reads it).
 */
export function mayCallModels(app: LoadedApp): boolean {
  return app.stacks.some((stack) =>
    stack.resources.some((resource) => CALLER_TYPES.has(resource.type) && /bedrock/i.test(JSON.stringify(resource.properties))),
  );
}
