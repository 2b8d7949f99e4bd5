import { AwsError } from '../endpoint/aws-error.js';
import type { CustomResourceAttributes, LoadedApp, LoadedResource, LoadedStack } from '../template/load.js';
import type { StackDescription } from '../template/stack-description.js';
import { type LocalUrl, localized } from './local-urls.js';

export interface CloudFormationServiceOptions {
  /** The app as loaded now: a reload (`switchyard dev`) replaces it, and the read API follows. */
  readonly app: () => LoadedApp;
  /** When the stacks were "created": the runtime's start. */
  readonly createdAt: Date;
  /**
   * The AWS addresses of what the runtime serves (APIs, function URLs, Cognito domains) and
   * their local URLs, as loaded now: DescribeStacks shows an output that starts with one as the
   * local URL (local-urls.ts), any other value as resolved.
   * @default none: every output as resolved
   */
  readonly localUrls?: () => readonly LocalUrl[];
  /**
   * The attributes a stack's custom resources' providers answered at start, which its late
   * outputs (a custom resource's attribute in their value) are resolved with.
   * @default none: those outputs are not shown
   */
  readonly customResourceAttributes?: (stackName: string) => CustomResourceAttributes | undefined;
}

/** Every stack the local runtime runs is deployed and unchanged since: what CloudFormation calls CREATE_COMPLETE. */
const STACK_STATUS = 'CREATE_COMPLETE';
/** ListStackResources and ListExports answer in pages of this many, as CloudFormation does. */
const PAGE_SIZE = 100;

export interface StackInput {
  readonly StackName?: string;
}

/**
 * CloudFormation's read API over the loaded cloud assembly, so that the scripts users run
 * after `cdk deploy` (`aws cloudformation describe-stacks --query "Stacks[0].Outputs"`)
 * work against the local runtime unchanged. Nothing is deployed here: every stack of the
 * assembly (nested ones too) is CREATE_COMPLETE from the runtime's start, and the
 * operations that change stacks answer that they are not supported locally. It holds no
 * state of its own, so it has nothing to lose in a crash.
 */
export class CloudFormationService {
  constructor(private readonly options: CloudFormationServiceOptions) {}

  async DescribeStacks(input: StackInput & { NextToken?: string }) {
    const stacks = input.StackName === undefined ? this.#stacks() : [this.#stack(input.StackName)];
    // Read once per request: a reload (`switchyard dev`) may add an API.
    const urls = this.options.localUrls?.() ?? [];
    return { Stacks: stacks.map((stack) => this.#described(stack, urls)) };
  }

  /** The outputs (`Stack.Key`) DescribeStacks shows as a local URL instead of the address on AWS they resolve to: what the start-up report names. */
  localizedOutputs(): string[] {
    const urls = this.options.localUrls?.() ?? [];
    return this.#stacks().flatMap((stack) =>
      stack.description.outputs.filter((o) => localized(o.value, urls) !== o.value).map((o) => `${stack.stackName}.${o.key}`),
    );
  }

  async ListStacks(input: { StackStatusFilter?: readonly string[]; NextToken?: string }) {
    const filter = input.StackStatusFilter ?? [];
    const stacks = filter.length === 0 || filter.includes(STACK_STATUS) ? this.#stacks() : [];
    return {
      StackSummaries: stacks.map((stack) => ({
        StackId: stack.description.stackId,
        StackName: stack.stackName,
        TemplateDescription: stack.description.templateDescription,
        CreationTime: this.options.createdAt,
        StackStatus: STACK_STATUS,
        ...this.#lineage(stack),
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      })),
    };
  }

  async ListStackResources(input: StackInput & { NextToken?: string }) {
    const stack = this.#stack(required(input.StackName, 'StackName'));
    const { page, next } = paged(stack.resources, input.NextToken);
    return {
      StackResourceSummaries: page.map((resource) => ({
        LogicalResourceId: resource.logicalId,
        PhysicalResourceId: resource.ref,
        ResourceType: resource.type,
        LastUpdatedTimestamp: this.options.createdAt,
        ResourceStatus: STACK_STATUS,
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      })),
      NextToken: next,
    };
  }

  async DescribeStackResources(input: StackInput & { LogicalResourceId?: string; PhysicalResourceId?: string }) {
    if (input.StackName === undefined && input.PhysicalResourceId === undefined) {
      throw validation('Either StackName or PhysicalResourceId must be specified.');
    }
    const stack =
      input.StackName !== undefined
        ? this.#stack(input.StackName)
        : this.#stacks().find((candidate) => candidate.resources.some((r) => r.ref === input.PhysicalResourceId));
    if (stack === undefined) throw validation(`Stack for ${input.PhysicalResourceId} does not exist`);
    const resources = stack.resources.filter(
      (r) =>
        (input.LogicalResourceId === undefined || r.logicalId === input.LogicalResourceId) &&
        (input.PhysicalResourceId === undefined || r.ref === input.PhysicalResourceId),
    );
    return {
      StackResources: resources.map((resource) => ({
        ...this.#resource(stack, resource),
        Timestamp: this.options.createdAt,
      })),
    };
  }

  async DescribeStackResource(input: StackInput & { LogicalResourceId?: string }) {
    const stack = this.#stack(required(input.StackName, 'StackName'));
    const logicalId = required(input.LogicalResourceId, 'LogicalResourceId');
    const resource = stack.resources.find((r) => r.logicalId === logicalId);
    if (resource === undefined) throw validation(`Resource ${logicalId} does not exist for stack ${stack.stackName}`);
    return {
      StackResourceDetail: {
        ...this.#resource(stack, resource),
        LastUpdatedTimestamp: this.options.createdAt,
        Metadata: Object.keys(resource.metadata).length > 0 ? JSON.stringify(resource.metadata) : undefined,
      },
    };
  }

  async ListExports(input: { NextToken?: string }) {
    const exports = this.#stacks().flatMap((stack) =>
      Object.entries(stack.exports).map(([Name, Value]) => ({ ExportingStackId: stack.description.stackId, Name, Value })),
    );
    const { page, next } = paged(exports, input.NextToken);
    return { Exports: page, NextToken: next };
  }

  /** The app's stacks, outermost first (the loader lists nested stacks before the stack that holds them). */
  #stacks(): LoadedStack[] {
    return [...this.options.app().stacks].reverse();
  }

  /** A stack by name or by id, as CloudFormation's StackName parameter takes either. */
  #stack(nameOrId: string): LoadedStack {
    const stack = this.#stacks().find((s) => s.stackName === nameOrId || s.description.stackId === nameOrId);
    if (stack === undefined) throw validation(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  #described(stack: LoadedStack, urls: readonly LocalUrl[]) {
    const { description } = stack;
    return {
      StackId: description.stackId,
      StackName: stack.stackName,
      Description: description.templateDescription,
      Parameters: description.parameters.map((p) => ({
        ParameterKey: p.key,
        ParameterValue: p.value,
        ...(p.resolvedValue === undefined ? {} : { ResolvedValue: p.resolvedValue }),
      })),
      CreationTime: this.options.createdAt,
      StackStatus: STACK_STATUS,
      DisableRollback: false,
      NotificationARNs: [],
      Outputs: this.#outputs(stack).map((o) => ({
        OutputKey: o.key,
        OutputValue: localized(o.value, urls),
        Description: o.description,
        ExportName: o.exportName,
      })),
      Tags: [],
      EnableTerminationProtection: false,
      ...this.#lineage(stack),
      DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
    };
  }

  /**
   * The stack's outputs: those resolved at load, then those that name a custom resource's
   * attribute, once its provider has answered (in the template's order, as CloudFormation lists them).
   */
  #outputs(stack: LoadedStack): StackDescription['outputs'] {
    const attributes = this.options.customResourceAttributes?.(stack.stackName);
    const late = (stack.lateOutputs ?? []).flatMap(({ key, description, resolve }) => {
      const value = attributes === undefined ? undefined : resolve(attributes);
      return value === undefined ? [] : [{ key, value, ...(description === undefined ? {} : { description }) }];
    });
    if (late.length === 0) return stack.description.outputs;
    const order = Object.keys(stack.template.Outputs ?? {});
    return [...stack.description.outputs, ...late].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  }

  /** A nested stack's ParentId and RootId. */
  #lineage(stack: LoadedStack): { ParentId?: string; RootId?: string } {
    const parentId = stack.description.parentStackId;
    if (parentId === undefined) return {};
    let root = parentId;
    const byId = new Map(this.#stacks().map((s) => [s.description.stackId, s]));
    for (let parent = byId.get(parentId); parent?.description.parentStackId !== undefined; parent = byId.get(root)) {
      root = parent.description.parentStackId;
    }
    return { ParentId: parentId, RootId: root };
  }

  #resource(stack: LoadedStack, resource: LoadedResource) {
    return {
      StackName: stack.stackName,
      StackId: stack.description.stackId,
      LogicalResourceId: resource.logicalId,
      PhysicalResourceId: resource.ref,
      ResourceType: resource.type,
      ResourceStatus: STACK_STATUS,
      DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
    };
  }
}

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw validation(
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** One page of a list and the token for the next; a token is the index the next page starts at. */
function paged<T>(items: readonly T[], token: string | undefined): { page: readonly T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    start = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw validation(`Invalid NextToken: ${token}`);
  }
  const end = start + PAGE_SIZE;
  return { page: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(String(end)).toString('base64url') } : {}) };
}
