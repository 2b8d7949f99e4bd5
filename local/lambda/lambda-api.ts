import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { accountSettings } from './account-limits.js';
import { eventInvokeConfigAnswer, eventInvokeConfigList } from './event-invoke-configs.js';
import { aliasConfiguration, functionConfiguration, functionDetails, functionTags, listedConfiguration } from './function-configuration.js';
import { versionDefinition } from './function-definition.js';
import { policyAnswer } from './function-permissions.js';
import { type FunctionDirectory, parseFunctionName, taggedFunctionArn } from './function-reference.js';
import type { FunctionDefinition } from './function-runtime.js';
import { listPage } from './list-pages.js';

interface HasDefinition {
  readonly definition: FunctionDefinition;
}

/** ListFunctions answers at most 50 functions a call, whatever MaxItems asks for. */
const LIST_FUNCTIONS_PAGE = 50;

const FUNCTIONS = /^\/2015-03-31\/functions\/?$/;
const FUNCTION = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
const CONFIGURATION = /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/;
const VERSIONS = /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/;
const ALIASES = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/;
const ALIAS = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)\/?$/;
const ACCOUNT_SETTINGS = /^\/2016-08-19\/account-settings\/?$/;
const CONCURRENCY = /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/;
const TAGS = /^\/2017-03-31\/tags\/([^/]+)\/?$/;
const POLICY = /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/;
const EVENT_INVOKE_CONFIG = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/;
const EVENT_INVOKE_CONFIGS = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/list\/?$/;
const CODE_SIGNING_CONFIG = /^\/2020-06-30\/functions\/([^/]+)\/code-signing-config\/?$/;

/**
 * The read side of Lambda's API over the functions: GetFunction, GetFunctionConfiguration,
 * ListFunctions, ListVersionsByFunction, GetAlias, ListAliases, GetFunctionConcurrency,
 * GetFunctionEventInvokeConfig, ListFunctionEventInvokeConfigs, GetFunctionCodeSigningConfig, GetAccountSettings, ListTags,
 * GetPolicy (event source mappings are event-source-mappings.ts's).
 */
export class LambdaReadApi<F extends HasDefinition> {
  constructor(
    private readonly functions: ReadonlyMap<string, F>,
    private readonly directory: FunctionDirectory<F>,
    private readonly place: {
      readonly accountId: string;
      readonly region: string;
      /** Where the zip of a function CreateFunction made is downloaded from (GetFunction's Code.Location). */
      readonly codeUrl?: (definition: FunctionDefinition) => string | undefined;
      /** The storage the published layer versions' archives take (GetAccountSettings' TotalCodeSize counts them). */
      readonly layerCodeSize?: () => number;
    },
  ) {}

  /** Answers a GET this API serves, or undefined for any other request. */
  answer(request: RawRequest): RawResponse | undefined {
    if (request.method !== 'GET') return undefined;
    for (const [pattern, operation] of this.#routes) {
      const match = pattern.exec(request.path);
      if (match)
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(operation(match, request.query)) };
    }
    return undefined;
  }

  readonly #routes: readonly (readonly [RegExp, (match: RegExpExecArray, query: URLSearchParams) => unknown])[] = [
    [FUNCTIONS, (_, query) => this.#listFunctions(query)],
    [
      FUNCTION,
      (match, query) => {
        const resolved = this.directory.resolve(param(match[1]), query.get('Qualifier'));
        const running = versionDefinition(resolved.fn.definition, resolved.version);
        return functionDetails(running, { version: resolved.version, arn: resolved.arn }, this.place.codeUrl?.(running));
      },
    ],
    [
      CONFIGURATION,
      (match, query) => {
        const resolved = this.directory.resolve(param(match[1]), query.get('Qualifier'));
        return functionConfiguration(versionDefinition(resolved.fn.definition, resolved.version), {
          version: resolved.version,
          arn: resolved.arn,
        });
      },
    ],
    [VERSIONS, (match, query) => this.#listVersions(param(match[1]), query)],
    [ALIASES, (match, query) => this.#listAliases(param(match[1]), query)],
    [ALIAS, (match) => this.#getAlias(param(match[1]), param(match[2]))],
    [
      ACCOUNT_SETTINGS,
      () =>
        accountSettings(
          [...this.functions.values()].map((fn) => fn.definition),
          this.place.layerCodeSize?.() ?? 0,
        ),
    ],
    [
      CONCURRENCY,
      (match) => {
        const { definition } = this.directory.resolve(param(match[1])).fn;
        return definition.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: definition.reservedConcurrency };
      },
    ],
    [TAGS, (match) => ({ Tags: functionTags(this.#tagged(param(match[1]))) })],
    [
      POLICY,
      (match, query) =>
        policyAnswer(this.functions.get(parseFunctionName(param(match[1])).name)?.definition, {
          FunctionName: param(match[1]),
          ...(query.get('Qualifier') === null ? {} : { Qualifier: query.get('Qualifier') }),
        }),
    ],
    [
      EVENT_INVOKE_CONFIG,
      (match, query) =>
        eventInvokeConfigAnswer(this.directory, { FunctionName: param(match[1]), Qualifier: query.get('Qualifier') ?? undefined }),
    ],
    [EVENT_INVOKE_CONFIGS, (match, query) => eventInvokeConfigList(this.directory, param(match[1]), query)],
    [
      CODE_SIGNING_CONFIG,
      (match) => {
        // The template's CodeSigningConfigArn (not enforced locally); none is answered as Lambda answers it: an empty object.
        const { definition } = this.directory.functionOf(param(match[1]));
        const arn = definition.template?.CodeSigningConfigArn;
        return typeof arn === 'string' ? { CodeSigningConfigArn: arn, FunctionName: definition.name } : {};
      },
    ],
  ];

  #listFunctions(query: URLSearchParams) {
    const all = query.get('FunctionVersion') === 'ALL';
    const configurations = [...this.functions.values()]
      .sort((a, b) => a.definition.name.localeCompare(b.definition.name))
      .flatMap(({ definition }) => (all ? versionConfigurations(definition) : [listedConfiguration(functionConfiguration(definition))]));
    const { items, next } = listPage(configurations, query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Functions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listVersions(name: string, query: URLSearchParams) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const { items, next } = listPage(versionConfigurations(definition), query, LIST_FUNCTIONS_PAGE, (c) => String(c.FunctionArn));
    return { Versions: items, ...(next ? { NextMarker: next } : {}) };
  }

  #listAliases(name: string, query: URLSearchParams) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const version = query.get('FunctionVersion');
    const aliases = (definition.aliases ?? [])
      .filter((alias) => version === null || alias.functionVersion === version)
      .map((alias) => aliasConfiguration(definition, alias));
    const { items, next } = listPage(aliases, query, LIST_FUNCTIONS_PAGE, (a) => a.AliasArn);
    return { Aliases: items, ...(next ? { NextMarker: next } : {}) };
  }

  #getAlias(name: string, aliasName: string) {
    const { definition } = this.directory.resolve(parseFunctionName(name).name).fn;
    const alias = definition.aliases?.find((a) => a.name === aliasName);
    if (!alias) throw new AwsError('ResourceNotFoundException', `Cannot find alias arn: ${definition.arn}:${aliasName}`, 404);
    return aliasConfiguration(definition, alias);
  }

  /** The function ListTags names: by its unqualified ARN only (Lambda tags no versions or aliases). */
  #tagged(arn: string): FunctionDefinition {
    return this.directory.functionOf(taggedFunctionArn(arn)).definition;
  }
}

/** `$LATEST` and then each published version, as ListVersionsByFunction lists them (each ARN qualified). */
function versionConfigurations(definition: FunctionDefinition) {
  return ['$LATEST', ...(definition.versions ?? [])].map((version) =>
    listedConfiguration(functionConfiguration(versionDefinition(definition, version), { version, arn: `${definition.arn}:${version}` })),
  );
}

/** A path parameter (the endpoint has decoded the path already). */
function param(value: string | undefined): string {
  return value ?? '';
}
