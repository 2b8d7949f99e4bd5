import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { compact, element, FormParams, members, queryErrorResponse, queryResponse, text } from '../endpoint/query-form.js';
import type { CloudFormationService } from './cloudformation-service.js';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

type Output = Record<string, unknown>;
type Item = Record<string, unknown>;

interface QueryOperation {
  decode(params: FormParams): unknown;
  /** The content of `<ActionResult>`. */
  encode(output: Output): string;
}

/** Actions that change stacks or read what only a deployment has: answered as not supported here, by name. */
const NOT_LOCAL = new Set([
  'CancelUpdateStack',
  'ContinueUpdateRollback',
  'CreateChangeSet',
  'CreateStack',
  'DeleteChangeSet',
  'DeleteStack',
  'DescribeChangeSet',
  'DescribeStackEvents',
  'DescribeStackResourceDrifts',
  'DetectStackDrift',
  'EstimateTemplateCost',
  'ExecuteChangeSet',
  'GetStackPolicy',
  'GetTemplate',
  'GetTemplateSummary',
  'ListChangeSets',
  'ListImports',
  'SetStackPolicy',
  'SignalResource',
  'UpdateStack',
  'UpdateTerminationProtection',
  'ValidateTemplate',
]);

/**
 * CloudFormation's query protocol (API version 2010-05-15), which the AWS SDK v3 and the
 * AWS CLI speak: `Action=DescribeStacks&StackName=...` form posts answered with XML, lists
 * as `<Name><member>...</member></Name>`, as botocore's `cloudformation/2010-05-15/service-2.json`
 * defines them.
 */
export class CloudFormationQueryProtocol {
  /** The service name in a SigV4 credential scope. */
  readonly signingName = 'cloudformation';

  constructor(
    private readonly cloudFormation: CloudFormationService,
    /** IAM's check of each call (its module's authorizations), before the operation runs. */
    private authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.authorize = authorize;
  }

  handles(action: string): boolean {
    return Object.hasOwn(OPERATIONS, action) || NOT_LOCAL.has(action);
  }

  async handle(form: URLSearchParams, _request?: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const action = form.get('Action') ?? '';
    try {
      const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
      if (!operation) {
        throw new AwsError(
          'InvalidAction',
          `${action} is not supported by the local CloudFormation service: it reads the cloud assembly the runtime loaded (synthesize again and restart, or run switchyard dev, to change stacks).`,
        );
      }
      const method = (this.cloudFormation as unknown as Record<string, (input: unknown) => Promise<Output>>)[action] as (
        input: unknown,
      ) => Promise<Output>;
      const input = operation.decode(FormParams.parse(form));
      await this.authorize?.(action, input);
      const output = await method.call(this.cloudFormation, input);
      return queryResponse(XMLNS, action, operation.encode(output), requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error, requestId);
    }
  }

  /** CloudFormation's `<ErrorResponse>` document, with the error's status. */
  errorResponse(error: AwsError, requestId: string = randomUUID()): RawResponse {
    return queryErrorResponse(XMLNS, error, requestId);
  }
}

const stackName = (p: FormParams) => compact({ StackName: p.string('StackName'), NextToken: p.string('NextToken') });

const OPERATIONS: Record<string, QueryOperation> = {
  DescribeStacks: {
    decode: stackName,
    encode: (o) => members('Stacks', o.Stacks, stack) + text('NextToken', o.NextToken),
  },
  ListStacks: {
    decode: (p) =>
      compact({
        NextToken: p.string('NextToken'),
        StackStatusFilter: p.has('StackStatusFilter') ? p.members('StackStatusFilter').map((m) => m.value ?? '') : undefined,
      }),
    encode: (o) => members('StackSummaries', o.StackSummaries, stackSummary) + text('NextToken', o.NextToken),
  },
  ListStackResources: {
    decode: stackName,
    encode: (o) => members('StackResourceSummaries', o.StackResourceSummaries, resourceSummary) + text('NextToken', o.NextToken),
  },
  DescribeStackResources: {
    decode: (p) =>
      compact({
        StackName: p.string('StackName'),
        LogicalResourceId: p.string('LogicalResourceId'),
        PhysicalResourceId: p.string('PhysicalResourceId'),
      }),
    encode: (o) => members('StackResources', o.StackResources, (r) => resourceFields(r) + timestamp('Timestamp', r.Timestamp)),
  },
  DescribeStackResource: {
    decode: (p) => compact({ StackName: p.string('StackName'), LogicalResourceId: p.string('LogicalResourceId') }),
    encode: (o) => {
      const detail = o.StackResourceDetail as Item;
      return element(
        'StackResourceDetail',
        resourceFields(detail) + timestamp('LastUpdatedTimestamp', detail.LastUpdatedTimestamp) + text('Metadata', detail.Metadata),
      );
    },
  },
  ListExports: {
    decode: (p) => compact({ NextToken: p.string('NextToken') }),
    encode: (o) =>
      members('Exports', o.Exports, (e) => text('ExportingStackId', e.ExportingStackId) + text('Name', e.Name) + text('Value', e.Value)) +
      text('NextToken', o.NextToken),
  },
};

function stack(s: Item): string {
  return (
    text('StackId', s.StackId) +
    text('StackName', s.StackName) +
    text('Description', s.Description) +
    members(
      'Parameters',
      s.Parameters,
      (p) => text('ParameterKey', p.ParameterKey) + text('ParameterValue', p.ParameterValue) + text('ResolvedValue', p.ResolvedValue),
    ) +
    timestamp('CreationTime', s.CreationTime) +
    text('StackStatus', s.StackStatus) +
    text('DisableRollback', s.DisableRollback) +
    members('NotificationARNs', s.NotificationARNs, (arn) => String(arn)) +
    members(
      'Outputs',
      s.Outputs,
      (o) =>
        text('OutputKey', o.OutputKey) +
        text('OutputValue', o.OutputValue) +
        text('Description', o.Description) +
        text('ExportName', o.ExportName),
    ) +
    members('Tags', s.Tags, (t) => text('Key', t.Key) + text('Value', t.Value)) +
    text('EnableTerminationProtection', s.EnableTerminationProtection) +
    text('ParentId', s.ParentId) +
    text('RootId', s.RootId) +
    drift('DriftInformation', 'StackDriftStatus', s.DriftInformation)
  );
}

function stackSummary(s: Item): string {
  return (
    text('StackId', s.StackId) +
    text('StackName', s.StackName) +
    text('TemplateDescription', s.TemplateDescription) +
    timestamp('CreationTime', s.CreationTime) +
    text('StackStatus', s.StackStatus) +
    text('ParentId', s.ParentId) +
    text('RootId', s.RootId) +
    drift('DriftInformation', 'StackDriftStatus', s.DriftInformation)
  );
}

function resourceSummary(r: Item): string {
  return (
    text('LogicalResourceId', r.LogicalResourceId) +
    text('PhysicalResourceId', r.PhysicalResourceId) +
    text('ResourceType', r.ResourceType) +
    timestamp('LastUpdatedTimestamp', r.LastUpdatedTimestamp) +
    text('ResourceStatus', r.ResourceStatus) +
    drift('DriftInformation', 'StackResourceDriftStatus', r.DriftInformation)
  );
}

function resourceFields(r: Item): string {
  return (
    text('StackName', r.StackName) +
    text('StackId', r.StackId) +
    text('LogicalResourceId', r.LogicalResourceId) +
    text('PhysicalResourceId', r.PhysicalResourceId) +
    text('ResourceType', r.ResourceType) +
    text('ResourceStatus', r.ResourceStatus) +
    drift('DriftInformation', 'StackResourceDriftStatus', r.DriftInformation)
  );
}

function drift(name: string, statusName: string, information: unknown): string {
  const status = (information as Item | undefined)?.[statusName];
  return status === undefined ? '' : element(name, text(statusName, status));
}

function timestamp(name: string, value: unknown): string {
  return value instanceof Date ? text(name, value.toISOString()) : '';
}
