import { AwsError } from '../../endpoint/aws-error.js';
import type { Clock } from '../../time/clock.js';
import { eventInvokeConfigWrites } from '../async/event-invoke-configs.js';
import type { FunctionDefinition } from '../core/function-definition.js';
import { type FunctionDirectory, parseFunctionName, requestQualifier, taggedFunctionArn } from '../core/function-reference.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { UntypedLambdaError } from '../core/lambda-errors.js';
import { checkTagCount, type LambdaTags } from '../core/resource-tags.js';
import { checkReservedConcurrency } from './account-limits.js';
import { createdAlias, routingWeights, updatedAlias } from './alias-changes.js';
import { acceptCode, type CodeSource, checkZipUpdate, packageBytes, type S3Reader, unpackCode } from './function-code.js';
import { aliasConfiguration, functionConfiguration } from './function-configuration.js';
import { addPermission, removePermission, withoutPolicyOf } from './function-permissions.js';
import {
  checkArchitectures,
  checkLayers,
  checkNameLength,
  checkRevision,
  checkRuntime,
  checkSettings,
  configured,
  createdDefinition,
  lastModified,
  newRevision,
  publishedContent,
  versionPart,
} from './function-requests.js';
import type { FunctionStore } from './function-store.js';
import { changing, FunctionTransitions, failedDefinition, inTransition, settledDefinition } from './function-transitions.js';
import { withoutQualifier } from './provisioned-concurrency.js';
import { type NetworkLookup, withCheckedVpc } from './vpc-config.js';

type Input = Readonly<Record<string, unknown>>;

/** A write's answer: its HTTP status and JSON body (none for 204); the codec answers the model's status, which each agrees with. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

/** DeleteFunction's answer: 204, which its model carries in the output's StatusCode. */
const DELETED: Answer = { status: 204, body: { StatusCode: 204 } };

/** What the control plane changes: the running functions, by name, which it replaces with their new definitions. */
export interface FunctionHost {
  readonly directory: FunctionDirectory<{ readonly definition: FunctionDefinition }>;
  /** The function by name as the API describes it (the template's or one the API made), if there is one. */
  definitionOf(name: string): FunctionDefinition | undefined;
  /** Whether the app's template declares it: it changes with a new synthesis, not through the API. */
  isTemplate(name: string): boolean;
  /** Describes a new or changed function whose code is not ready yet: reads answer it, invocations run what ran before. */
  describe(definition: FunctionDefinition): void;
  /** Gets what new code needs before it first runs (as switchyard dev's does). */
  prepare(definition: FunctionDefinition): Promise<void>;
  /** Runs a new or changed function from its next invocation on. */
  run(definition: FunctionDefinition): void;
  /** Stops a deleted function. */
  stop(name: string): Promise<void>;
}

export interface ControlPlaneOptions {
  readonly host: FunctionHost;
  readonly store: FunctionStore;
  /** Where functions' tags are kept, by their unqualified ARN. */
  readonly tags: LambdaTags;
  readonly readS3: S3Reader;
  readonly clock: Clock;
  /**
   * The folders of the layers a function may name, by what `Layers` names them with (the app's,
   * and those PublishLayerVersion published); any other layer is a public one (public-layers/).
   */
  readonly layerFolders: () => Readonly<Record<string, string>>;
  /** The region and account the functions are in: a function's layers must be in its region. */
  readonly place: { readonly region: string; readonly accountId: string };
  /** A function's log: where a change that failed says why. */
  readonly log: (name: string, line: string) => void;
  /** Every function the service runs now (the account's reserved concurrency is theirs). */
  readonly definitions: () => Iterable<FunctionDefinition>;
  /** EC2, which checks a VpcConfig's subnets and groups and names their VPC. @default none: a VpcConfig is taken as given */
  readonly network?: NetworkLookup;
  /** After DeleteAlias deleted an alias: what belongs to it (its function URL) goes with it. */
  readonly aliasDeleted?: (functionName: string, alias: string) => void;
}

/**
 * Lambda's control plane for functions the API creates: CreateFunction (a zip uploaded or an
 * S3 object), UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion (a version
 * freezes the code and settings it runs), DeleteFunction, TagResource and UntagResource, as
 * the API reference documents them and AWS answers them (RevisionId, State and
 * LastUpdateStatus included: a change is Pending or InProgress until its code is ready,
 * function-transitions.ts). What it makes is kept in the data folder (FunctionStore) and runs
 * in the same execution environments as the template's functions. The template's own
 * functions change only with a new synthesis: the API refuses to change them, saying so.
 */
export class ControlPlane {
  readonly transitions: FunctionTransitions;

  constructor(private readonly options: ControlPlaneOptions) {
    this.transitions = new FunctionTransitions(options.clock, options.log);
  }

  get #host(): FunctionHost {
    return this.options.host;
  }

  async CreateFunction(input: Input): Promise<Answer> {
    checkRuntime(input.Runtime);
    checkArchitectures(input.Architectures);
    validateLambdaInput('CreateFunction', input);
    this.#checkPlace(String(input.FunctionName));
    const name = parseFunctionName(String(input.FunctionName)).name;
    checkNameLength(name);
    checkLayers(input.Layers, this.options.layerFolders(), this.options.place);
    checkTagCount(input.Tags as Record<string, string> | undefined);
    checkSettings(input);
    const checked = await withCheckedVpc(input, this.options.network);
    if (input.PackageType === 'Image') {
      throw new AwsError(
        'InvalidParameterValueException',
        'The local runtime runs functions of package type Zip only: container images are not run locally',
      );
    }
    if (this.#host.definitionOf(name)) throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
    const code = acceptCode(this.options.store.codeRoot, packageBytes((input.Code ?? {}) as CodeSource, this.options.readS3));
    const now = this.options.clock.now();
    const created = createdDefinition(checked, { arn: this.#host.directory.arnOf(name), now }, code, this.options.layerFolders());
    // Lambda answers while the function is Pending; it is Active (a new revision) once its code is ready.
    const pending = changing(created, 'creating', lastModified(now));
    this.options.tags.created(created.arn, input.Tags as Record<string, string> | undefined);
    this.#accept(input.Publish === true ? this.#published(pending, undefined) : pending, undefined);
    return { status: 201, body: { ...functionConfiguration(pending), ...(input.Publish === true ? { Version: '1' } : {}) } };
  }

  async UpdateFunctionConfiguration(input: Input): Promise<Answer> {
    const current = this.#changeable(input.FunctionName);
    this.transitions.checkIdle(current);
    checkRevision(input.RevisionId, current.api?.revisionId);
    checkRuntime(input.Runtime);
    validateLambdaInput('UpdateFunctionConfiguration', input);
    checkLayers(input.Layers, this.options.layerFolders(), this.options.place);
    checkSettings(input, current);
    const changed = configured(current, await withCheckedVpc(input, this.options.network), this.options.layerFolders());
    return this.#updated(current, changed, false);
  }

  async UpdateFunctionCode(input: Input): Promise<Answer> {
    const current = this.#changeable(input.FunctionName);
    this.transitions.checkIdle(current);
    checkRevision(input.RevisionId, current.api?.revisionId);
    checkArchitectures(input.Architectures);
    validateLambdaInput('UpdateFunctionCode', input);
    checkZipUpdate(input as CodeSource);
    const code = acceptCode(this.options.store.codeRoot, packageBytes(input as CodeSource, this.options.readS3));
    const changed: FunctionDefinition = {
      ...current,
      codePath: code.folder,
      ...(Array.isArray(input.Architectures) ? { architecture: String(input.Architectures[0]) } : {}),
      api: { ...(current.api ?? apiMissing(current)), codeSha256: code.sha256, codeSize: code.size },
    };
    return this.#updated(current, changed, input.Publish === true);
  }

  /** An update as Lambda answers it: InProgress (a version it publishes Pending) until its code is ready. */
  #updated(current: FunctionDefinition, changed: FunctionDefinition, publish: boolean): Answer {
    const applied = changing(changed, 'updating', lastModified(this.options.clock.now()));
    const saved = publish ? this.#published(applied, undefined) : applied;
    this.#accept(saved, current);
    if (!publish) return { status: 200, body: functionConfiguration(saved) };
    return { status: 200, body: this.#versionConfiguration(saved, String(saved.api?.lastVersion)) };
  }

  /**
   * Takes a change whose code is not ready yet: it is kept and answered from now on (Pending,
   * InProgress), and applied once its code is unpacked and prepared (`before` runs meanwhile).
   */
  #accept(described: FunctionDefinition, before: FunctionDefinition | undefined): void {
    this.options.store.save(described);
    this.#host.describe(described);
    this.transitions.start(described.name, (current) => this.#apply(described, before, current));
  }

  /** Unpacks and prepares a change's code, then runs it (Active, Successful); a failure is the function's Failed state. */
  async #apply(described: FunctionDefinition, before: FunctionDefinition | undefined, current: () => boolean): Promise<void> {
    try {
      for (const d of [described, ...Object.values(described.published ?? {})]) {
        if (d.api?.change !== undefined) await unpackCode(this.options.store.codeRoot, d.codePath);
      }
      await this.#host.prepare(described);
    } catch (error) {
      if (!current()) return;
      const reason = `The local runtime could not prepare the function's code: ${(error as Error).message}`;
      this.options.log(described.name, `${reason}\n${(error as Error).stack ?? ''}`);
      const failed = failedDefinition(described, before, reason);
      this.options.store.save(failed);
      this.#host.describe(failed);
      this.options.store.release(described, failed);
      return;
    }
    if (!current()) return;
    // Tags or aliases changed meanwhile are the function's: it is settled as it is now.
    const ready = settledDefinition(this.#host.definitionOf(described.name) ?? described);
    this.options.store.save(ready);
    this.#host.run(ready);
    if (before) this.options.store.release(before, ready);
  }

  /** Applies the changes a stopped runtime left in progress (kept in the data folder), before any invocation; resolves once they end. */
  async resume(definitions: readonly FunctionDefinition[]): Promise<void> {
    for (const definition of definitions) {
      if (inTransition(definition)) this.transitions.start(definition.name, (current) => this.#apply(definition, undefined, current));
    }
    await this.transitions.settled();
  }

  async PublishVersion(input: Input): Promise<Answer> {
    const current = this.#changeable(input.FunctionName);
    this.transitions.checkIdle(current);
    checkRevision(input.RevisionId, current.api?.revisionId);
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== current.api?.codeSha256) {
      throw new AwsError(
        'InvalidParameterValueException',
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${current.api?.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    const latest = current.api?.lastVersion;
    const last = latest === undefined ? undefined : current.published?.[String(latest)];
    // Nothing changed since the last version: Lambda answers that version again.
    if (last && publishedContent(last) === publishedContent(current)) {
      return { status: 201, body: this.#versionConfiguration(current, String(latest)) };
    }
    const published = this.#published(current, input.Description === undefined ? undefined : String(input.Description));
    this.#save(published, current);
    return { status: 201, body: this.#versionConfiguration(published, String(published.api?.lastVersion)) };
  }

  async DeleteFunction(input: Input): Promise<Answer> {
    const { name, qualifier } = requestQualifier(String(input.FunctionName), input.Qualifier);
    if (qualifier === '$LATEST') {
      throw new AwsError('InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.');
    }
    // An alias's name (DeleteAlias deletes one), whether or not the function has it.
    if (qualifier !== undefined && ALIAS_NAME.test(qualifier)) {
      throw new AwsError('InvalidParameterValueException', 'Deletion of aliases is not currently supported.');
    }
    // The function itself must exist (its unqualified ARN is named); a version it has not is deleted already.
    const current = this.#changeable(input.FunctionName);
    if (qualifier === undefined) {
      this.transitions.forget(name);
      await this.#host.stop(name);
      this.options.store.delete(current);
      // A function created again under the name starts untagged, as in Lambda.
      this.options.tags.forget(current.arn);
      return DELETED;
    }
    if (!current.published?.[qualifier]) return DELETED;
    const aliases = (current.aliases ?? []).filter((a) => a.functionVersion === qualifier || a.additionalVersionWeights?.[qualifier]);
    if (aliases.length > 0) {
      throw new AwsError(
        'ResourceConflictException',
        `Unable to delete version because the following aliases reference it: [${aliases.map((a) => a.name).join(', ')}]`,
        409,
      );
    }
    const { [qualifier]: _deleted, ...published } = current.published;
    const kept = withoutQualifier(withoutPolicyOf(current, qualifier), qualifier);
    this.#save({ ...kept, versions: (current.versions ?? []).filter((v) => v !== qualifier), published }, current);
    return DELETED;
  }

  /** PutFunctionConcurrency: the function's reserved concurrency, which its invocations then run within (0 throttles every one). */
  async PutFunctionConcurrency(input: Input): Promise<Answer> {
    const current = this.#concurrencyOf(input.FunctionName);
    validateLambdaInput('PutFunctionConcurrency', input);
    const reserved = Number(input.ReservedConcurrentExecutions);
    checkReservedConcurrency(
      [...this.options.definitions()].filter((d) => d.name !== current.name),
      reserved,
    );
    this.#save({ ...current, reservedConcurrency: reserved }, current);
    return { status: 200, body: { ReservedConcurrentExecutions: reserved } };
  }

  async DeleteFunctionConcurrency(input: Input): Promise<Answer> {
    const { reservedConcurrency: _removed, ...current } = this.#concurrencyOf(input.FunctionName);
    this.#save(current, current);
    return { status: 204 };
  }

  /**
   * The function a concurrency call names: unqualified only; Lambda's 404 names its `$LATEST`.
   * @throws AwsError InvalidParameterValueException for a version or alias, ResourceNotFoundException
   */
  #concurrencyOf(functionName: unknown): FunctionDefinition {
    const { name, qualifier } = parseFunctionName(String(functionName ?? ''));
    if (qualifier !== undefined) {
      throw new AwsError(
        'InvalidParameterValueException',
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      );
    }
    if (!this.#host.definitionOf(name)) {
      throw new AwsError('ResourceNotFoundException', `Function not found: ${this.#host.directory.arnOf(name)}:$LATEST`, 404);
    }
    return this.#changeable(name);
  }

  async PutFunctionEventInvokeConfig(input: Input): Promise<Answer> {
    return this.#invokeConfig(eventInvokeConfigWrites.put(this.#host.directory, input, this.options.clock.now()));
  }

  async UpdateFunctionEventInvokeConfig(input: Input): Promise<Answer> {
    return this.#invokeConfig(eventInvokeConfigWrites.update(this.#host.directory, input, this.options.clock.now()));
  }

  async DeleteFunctionEventInvokeConfig(input: Input): Promise<Answer> {
    const changed = eventInvokeConfigWrites.delete(this.#host.directory, input);
    this.#save({ ...this.#changeable(changed.name), eventInvokeConfigs: changed.eventInvokeConfigs });
    return { status: 204 };
  }

  /** Keeps a function's new asynchronous invocation settings (the API's functions only) and answers them. */
  #invokeConfig(written: { definition: FunctionDefinition; answer: object }): Answer {
    this.#save({ ...this.#changeable(written.definition.name), eventInvokeConfigs: written.definition.eventInvokeConfigs });
    return { status: 200, body: written.answer };
  }

  async TagResource(input: Input): Promise<Answer> {
    return this.#retagged(input.Resource, (arn) => this.options.tags.tag(arn, input.Tags as Record<string, string> | undefined));
  }

  async UntagResource(input: Input): Promise<Answer> {
    return this.#retagged(input.Resource, (arn) => this.options.tags.untag(arn, (input.TagKeys ?? []) as string[]));
  }

  async CreateAlias(input: Input): Promise<Answer> {
    const weights = routingWeights(input);
    validateLambdaInput('CreateAlias', input);
    const name = parseFunctionName(String(input.FunctionName)).name;
    // Lambda names the version the alias was to point at.
    if (!this.#host.definitionOf(name)) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Function not found: ${this.#host.directory.arnOf(name)}:${input.FunctionVersion}`,
        404,
      );
    }
    const current = this.#changeable(input.FunctionName);
    const alias = createdAlias(current, input, weights);
    this.#save({ ...current, aliases: [...(current.aliases ?? []), alias] });
    return { status: 201, body: aliasConfiguration(current, alias) };
  }

  async UpdateAlias(input: Input): Promise<Answer> {
    const weights = routingWeights(input);
    validateLambdaInput('UpdateAlias', input);
    const current = this.#changeable(input.FunctionName);
    const alias = current.aliases?.find((a) => a.name === input.Name);
    if (!alias) throw new AwsError('ResourceNotFoundException', `Alias not found: ${current.arn}:${input.Name}`, 404);
    checkRevision(input.RevisionId, alias.revisionId);
    const updated = updatedAlias(current, alias, input, weights);
    this.#save({ ...current, aliases: (current.aliases ?? []).map((a) => (a === alias ? updated : a)) });
    return { status: 200, body: aliasConfiguration(current, updated) };
  }

  /** Deleting an alias the function does not have succeeds, as in Lambda. */
  async DeleteAlias(input: Input): Promise<Answer> {
    const current = this.#changeable(input.FunctionName);
    const aliases = (current.aliases ?? []).filter((a) => a.name !== input.Name);
    // Its policy and provisioned concurrency go with it, and its function URL (aliasDeleted).
    if (aliases.length !== (current.aliases ?? []).length) {
      this.#save({ ...withoutQualifier(withoutPolicyOf(current, String(input.Name)), String(input.Name)), aliases });
      this.options.aliasDeleted?.(current.name, String(input.Name));
    }
    return { status: 204 };
  }

  /** A statement added to the function's (or its version's or alias's) resource-based policy (function-permissions.ts). */
  async AddPermission(input: Input): Promise<Answer> {
    validateLambdaInput('AddPermission', input);
    const current = this.#changeable(input.FunctionName);
    const added = addPermission(current, input);
    this.#save(added.definition, current);
    return { status: 201, body: { Statement: JSON.stringify(added.statement) } };
  }

  async RemovePermission(input: Input): Promise<Answer> {
    validateLambdaInput('RemovePermission', input);
    let current: FunctionDefinition;
    try {
      current = this.#changeable(input.FunctionName);
    } catch (error) {
      // Lambda names the policy it did not find, not the function.
      if (!(error instanceof AwsError) || error.code !== 'ResourceNotFoundException') throw error;
      const arn = this.#host.directory.arnOf(parseFunctionName(String(input.FunctionName)).name);
      throw new AwsError('ResourceNotFoundException', `No policy found for: ${arn}`, 404, { cause: error });
    }
    this.#save(removePermission(current, input), current);
    return { status: 204 };
  }

  /** The function a settings change names, one the API made (for the planes beside this one: function-settings-api.ts, code-signing-api.ts). */
  changeable(functionName: unknown): FunctionDefinition {
    return this.#changeable(functionName);
  }

  /** Keeps and runs a settings change of a function the API made (one that needs no new code). */
  keep(definition: FunctionDefinition): void {
    this.#save(definition);
  }

  /**
   * A function CreateFunction names by an ARN is made in this region and account only: another
   * region's is refused as Lambda refuses it, another account's denied (without a message, as recorded).
   */
  #checkPlace(functionName: string): void {
    this.#host.directory.checkRegion(functionName);
    const parts = functionName.split(':');
    const account = functionName.startsWith('arn:') ? parts[4] : parts[1] === 'function' ? parts[0] : undefined;
    if (account !== undefined && account !== this.options.place.accountId) throw new UntypedLambdaError('AccessDeniedException', '', 403);
  }

  /**
   * Changes the tags of the function a tagging request names (an unqualified function ARN only:
   * Lambda tags no versions or aliases), kept by its ARN; the function takes a new revision, as Lambda's does.
   */
  #retagged(resource: unknown, change: (arn: string) => void): Answer {
    const current = this.#changeable(taggedFunctionArn(String(resource ?? '')));
    change(current.arn);
    this.#save({ ...current, api: { ...(current.api ?? apiMissing(current)), revisionId: newRevision() } }, current);
    return { status: 204 };
  }

  /**
   * The function a change names, one the API made: a template's function is refused, naming
   * how it changes instead.
   * @throws AwsError ResourceNotFoundException, InvalidParameterValueException
   */
  #changeable(functionName: unknown): FunctionDefinition {
    const { definition } = this.#host.directory.functionOf(String(functionName ?? ''));
    if (this.#host.isTemplate(definition.name)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Function ${definition.name} comes from the app's cloud assembly: the local runtime changes it with the next synthesis (switchyard dev reloads it), not through Lambda's API, which changes the functions it creates`,
      );
    }
    return definition;
  }

  /** `definition` with a new version published: its code and settings frozen, `$LATEST` at a new revision. */
  #published(definition: FunctionDefinition, description: string | undefined): FunctionDefinition {
    const api = definition.api ?? apiMissing(definition);
    const version = (api.lastVersion ?? 0) + 1;
    const code = versionPart(definition);
    // A version of code not ready yet is being created (Pending) until it is.
    const frozen: FunctionDefinition = {
      ...code,
      description: description ?? definition.description ?? '',
      api: {
        ...api,
        revisionId: newRevision(),
        lastModified: lastModified(this.options.clock.now()),
        ...(api.change ? { change: 'creating' as const } : {}),
      },
    };
    return {
      ...definition,
      versions: [...(definition.versions ?? []), String(version)],
      published: { ...definition.published, [String(version)]: frozen },
      api: { ...api, revisionId: newRevision(), lastVersion: version },
    };
  }

  #versionConfiguration(definition: FunctionDefinition, version: string) {
    const frozen = definition.published?.[version] ?? definition;
    return functionConfiguration(frozen, { version, arn: `${definition.arn}:${version}` });
  }

  /**
   * Keeps a change that needs no new code (versions, aliases, tags) and runs it; one made while
   * a change is in progress is described, and runs when that one ends. The packages the old
   * definition alone ran go.
   */
  #save(definition: FunctionDefinition, before?: FunctionDefinition): void {
    this.options.store.save(definition);
    if (inTransition(definition)) this.#host.describe(definition);
    else this.#host.run(definition);
    if (before) this.options.store.release(before, definition);
  }
}

/** An alias's name: not a version number. */
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9-_]+$/;

/** Not reached: every function the control plane changes is one it created, with its API record. */
function apiMissing(definition: FunctionDefinition): never {
  throw new Error(`function ${definition.name} has no API record: only functions CreateFunction made are changed through the API`);
}
