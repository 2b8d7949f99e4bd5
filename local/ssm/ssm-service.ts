import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import { partitionOf } from '../template/resolve.js';
import { checkParameterName, isValidParameterName, parseReference } from './names.js';
import { type ParameterRow, SsmStore } from './ssm-store.js';

/** A parameter the template declares (`AWS::SSM::Parameter`): created at start, updated when the template's value changes. */
export interface ParameterDefinition {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly tier?: string;
  readonly dataType?: string;
  /** Where the template declares it (`Stack/LogicalId (AWS::SSM::Parameter)`), for the warning if SSM refuses it. */
  readonly where?: string;
}

export interface SsmServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
}

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;
const DEFAULT_KEY = 'alias/aws/ssm';

type Tag = { Key: string; Value: string };
type Filter = { Key?: string; Option?: string; Values?: string[] };

/**
 * Systems Manager Parameter Store: the operations function code commonly calls, over AWS
 * JSON 1.1 (`AmazonSSM.<Operation>`), with SSM's errors and limits. Every version is kept in
 * SQLite, so values put at run time survive restarts. SecureString values are stored as
 * given (no KMS locally); without WithDecryption they come back as an opaque base64 blob,
 * as SSM returns ciphertext.
 */
export class SsmService {
  readonly #store: SsmStore;

  constructor(private readonly options: SsmServiceOptions) {
    this.#store = new SsmStore(options.db);
  }

  /** The JSON-protocol operations the endpoint serves as `AmazonSSM.<name>`. */
  get operations(): Record<string, (input: never) => Promise<unknown>> {
    const names = Object.getOwnPropertyNames(SsmService.prototype).filter((name) => /^[A-Z]/.test(name));
    const api = this as unknown as Record<string, (input: unknown) => Promise<unknown>>;
    return Object.fromEntries(
      names.map((name) => [name, (input: never) => (api[name] as (input: unknown) => Promise<unknown>).call(this, input ?? {})]),
    );
  }

  /** The current value of a parameter, for template parameters that read SSM (`AWS::SSM::Parameter::Value<...>`). */
  valueOf(name: string): string | undefined {
    return this.#store.get(name)?.value;
  }

  /**
   * Creates the template's parameters; one whose template value changed since the last start
   * gets a new version (as a stack update would); one the template did not change keeps
   * whatever was put at run time. Returns what SSM refused (a name or value it does not allow).
   */
  declare(parameters: readonly ParameterDefinition[]): string[] {
    const problems: string[] = [];
    const declaredBy = new Map<string, string>();
    for (const parameter of parameters) {
      const first = declaredBy.get(parameter.name);
      if (first !== undefined) {
        // CloudFormation refuses a second parameter of the same name; the first stays.
        problems.push(`${parameter.where ?? parameter.name}: not created, ${parameter.name} is already declared by ${first}`);
        continue;
      }
      declaredBy.set(parameter.name, parameter.where ?? parameter.name);
      const last = this.#store.templateValue(parameter.name);
      const unchanged = last !== undefined && last.value === parameter.value && last.type === parameter.type;
      if (unchanged && this.#store.get(parameter.name) !== undefined) continue;
      try {
        this.#write(
          {
            Name: parameter.name,
            Value: parameter.value,
            Type: parameter.type,
            Description: parameter.description,
            AllowedPattern: parameter.allowedPattern,
            Tier: parameter.tier,
            DataType: parameter.dataType,
          },
          true,
        );
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        problems.push(`${parameter.where ?? parameter.name}: not created, SSM refuses it: ${error.code}: ${error.message}`);
        continue;
      }
      this.#store.setTemplateValue(parameter.name, parameter.type, parameter.value);
    }
    return problems;
  }

  async PutParameter(input: {
    Name?: string;
    Value?: string;
    Type?: string;
    Description?: string;
    KeyId?: string;
    Overwrite?: boolean;
    AllowedPattern?: string;
    Tags?: Tag[];
    Tier?: string;
    DataType?: string;
  }): Promise<{ Version: number; Tier: string }> {
    if (input.Overwrite === true && (input.Tags?.length ?? 0) > 0) {
      throw validationError(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    return this.#write(input, input.Overwrite === true);
  }

  #write(
    input: {
      Name?: string;
      Value?: string;
      Type?: string;
      Description?: string;
      KeyId?: string;
      AllowedPattern?: string;
      Tags?: Tag[];
      Tier?: string;
      DataType?: string;
    },
    overwrite: boolean,
  ): { Version: number; Tier: string } {
    const name = input.Name;
    checkParameterName(name, (n) => this.#arn(n));
    if (typeof input.Value !== 'string') {
      throw validationError("1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null");
    }
    const value = input.Value;
    const existing = this.#store.get(name);
    if (existing !== undefined && !overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = input.Type ?? existing?.type;
    if (type === undefined) throw validationError('A parameter type is required when you create a parameter.');
    if (!TYPES.includes(type)) {
      throw validationError(
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    const requestedTier = input.Tier ?? 'Standard';
    if (!TIERS.includes(requestedTier)) {
      throw validationError(
        `1 validation error detected: Value '${requestedTier}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]`,
      );
    }
    const dataType = input.DataType ?? existing?.data_type ?? 'text';
    if (!DATA_TYPES.includes(dataType)) {
      throw validationError(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
    }
    if (value.length > ADVANCED_MAX) {
      throw validationError(
        `1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${ADVANCED_MAX}`,
      );
    }
    // Intelligent-Tiering makes a parameter Advanced only when it needs to be; Advanced never goes back.
    const tier =
      requestedTier === 'Advanced' ||
      existing?.tier === 'Advanced' ||
      (requestedTier === 'Intelligent-Tiering' && value.length > STANDARD_MAX)
        ? 'Advanced'
        : 'Standard';
    if (input.Tier === 'Standard' && existing?.tier === 'Advanced') {
      throw validationError(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    if (tier === 'Standard' && value.length > STANDARD_MAX) {
      throw validationError(
        `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`,
      );
    }
    const allowedPattern = input.AllowedPattern ?? existing?.allowed_pattern ?? undefined;
    if (allowedPattern !== undefined && allowedPattern !== '') {
      let pattern: RegExp;
      try {
        pattern = new RegExp(allowedPattern);
      } catch {
        throw new AwsError('InvalidAllowedPatternException', `The allowed pattern ${allowedPattern} is not a valid regular expression.`);
      }
      if (!pattern.test(value)) {
        throw new AwsError(
          'ParameterPatternMismatchException',
          `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
        );
      }
    }
    if (dataType === 'aws:ec2:image' && !/^ami-[0-9a-f]{8,17}$/.test(value)) {
      throw validationError(
        `Parameter value ${value} is not a valid AMI id; aws:ec2:image parameters hold an id of the form ami-12345abcdeEXAMPLE.`,
      );
    }
    const version = this.#store.put(
      {
        name,
        type,
        value,
        data_type: dataType,
        tier,
        description: input.Description ?? existing?.description ?? null,
        allowed_pattern: allowedPattern ?? null,
        key_id: type === 'SecureString' ? (input.KeyId ?? existing?.key_id ?? DEFAULT_KEY) : null,
        modified_at: this.options.clock.now(),
      },
      input.Tags,
    );
    return { Version: version, Tier: tier };
  }

  async GetParameter(input: { Name?: string; WithDecryption?: boolean }): Promise<{ Parameter: Record<string, unknown> }> {
    if (typeof input.Name !== 'string' || input.Name === '') {
      throw validationError("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
    }
    const reference = parseReference(input.Name);
    // Labels are not kept locally: a label selector finds nothing, as an unknown label does on AWS.
    const row = reference.label === undefined ? this.#find(reference.name, reference.version) : undefined;
    if (row === undefined) {
      if (reference.version !== undefined && this.#find(reference.name) !== undefined) {
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${reference.version} of ${reference.name}. Verify the version and try again.`,
        );
      }
      throw new AwsError('ParameterNotFound', `Parameter ${reference.name} not found.`);
    }
    return { Parameter: this.#parameter(row, input.WithDecryption === true, reference.selector) };
  }

  async GetParameters(input: { Names?: string[]; WithDecryption?: boolean }): Promise<{
    Parameters: Record<string, unknown>[];
    InvalidParameters: string[];
  }> {
    const names = input.Names ?? [];
    if (names.length === 0 || names.length > 10) {
      throw validationError(
        `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length ${names.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 10'}`,
      );
    }
    const parameters: Record<string, unknown>[] = [];
    const invalid: string[] = [];
    for (const requested of [...new Set(names)]) {
      const reference = parseReference(requested);
      const row =
        isValidParameterName(reference.name) && reference.label === undefined ? this.#find(reference.name, reference.version) : undefined;
      if (row === undefined) invalid.push(requested);
      else parameters.push(this.#parameter(row, input.WithDecryption === true, reference.selector));
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  }

  async GetParametersByPath(input: {
    Path?: string;
    Recursive?: boolean;
    ParameterFilters?: Filter[];
    WithDecryption?: boolean;
    MaxResults?: number;
    NextToken?: string;
  }): Promise<{ Parameters: Record<string, unknown>[]; NextToken?: string }> {
    const path = input.Path;
    if (typeof path !== 'string' || !path.startsWith('/') || (path !== '/' && !isValidParameterName(path.replace(/\/$/, '')))) {
      throw validationError(
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
      );
    }
    const maxResults = this.#maxResults(input.MaxResults, 10);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const filters = input.ParameterFilters ?? [];
    if (!Array.isArray(filters)) throw validationError('ParameterFilters must be a list of filters.');
    for (const filter of filters) {
      if (!['Type', 'KeyId', 'Label', 'DataType', 'Tier'].includes(filter.Key ?? '')) {
        throw new AwsError(
          'InvalidFilterKey',
          `The following filter key is not valid: ${filter.Key}. Valid filter keys include: [Type, KeyId].`,
        );
      }
    }
    const rows = this.#store
      .current(prefix, this.#after(input.NextToken))
      .filter((row) => input.Recursive === true || !row.name.slice(prefix.length).includes('/'))
      .filter((row) => filters.every((filter) => this.#matches(row, filter)));
    const page = rows.slice(0, maxResults);
    return {
      Parameters: page.map((row) => this.#parameter(row, input.WithDecryption === true)),
      ...(rows.length > maxResults ? { NextToken: this.#token(page.at(-1)?.name ?? '') } : {}),
    };
  }

  async DescribeParameters(input: {
    Filters?: { Key?: string; Values?: string[] }[];
    ParameterFilters?: Filter[];
    MaxResults?: number;
    NextToken?: string;
  }): Promise<{ Parameters: Record<string, unknown>[]; NextToken?: string }> {
    if (input.Filters !== undefined && input.ParameterFilters !== undefined) {
      throw validationError('You can use either Filters or ParameterFilters in a single request.');
    }
    const maxResults = this.#maxResults(input.MaxResults, 50);
    if (!Array.isArray(input.ParameterFilters ?? []) || !Array.isArray(input.Filters ?? [])) {
      throw validationError('Filters and ParameterFilters must be lists of filters.');
    }
    const filters: Filter[] = [
      ...(input.ParameterFilters ?? []),
      ...(input.Filters ?? []).map((f) => ({ Key: f.Key, Option: 'Equals', Values: f.Values })),
    ];
    for (const filter of filters) {
      if (!['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'Label'].includes(filter.Key ?? '') && !filter.Key?.startsWith('tag:')) {
        throw new AwsError('InvalidFilterKey', `The following filter key is not valid: ${filter.Key}.`);
      }
    }
    const rows = this.#store.current('', this.#after(input.NextToken)).filter((row) => filters.every((f) => this.#matches(row, f)));
    const page = rows.slice(0, maxResults);
    return {
      Parameters: page.map((row) => ({
        Name: row.name,
        ARN: this.#arn(row.name),
        Type: row.type,
        ...(row.key_id ? { KeyId: row.key_id } : {}),
        LastModifiedDate: row.modified_at / 1000,
        LastModifiedUser: `arn:aws:iam::${this.options.accountId}:root`,
        ...(row.description ? { Description: row.description } : {}),
        ...(row.allowed_pattern ? { AllowedPattern: row.allowed_pattern } : {}),
        Version: row.version,
        Tier: row.tier,
        Policies: [],
        DataType: row.data_type,
      })),
      ...(rows.length > maxResults ? { NextToken: this.#token(page.at(-1)?.name ?? '') } : {}),
    };
  }

  async GetParameterHistory(input: { Name?: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }) {
    const name = parseReference(String(input.Name ?? '')).name;
    const rows = this.#store.history(name);
    if (rows.length === 0) throw new AwsError('ParameterNotFound', '');
    const maxResults = this.#maxResults(input.MaxResults, 50);
    const start = input.NextToken === undefined ? 0 : Number(this.#after(input.NextToken));
    const page = rows.slice(start, start + maxResults);
    return {
      Parameters: page.map((row) => ({
        ...this.#parameter(row, input.WithDecryption === true),
        ...(row.description ? { Description: row.description } : {}),
        ...(row.key_id ? { KeyId: row.key_id } : {}),
        LastModifiedUser: `arn:aws:iam::${this.options.accountId}:root`,
        Tier: row.tier,
        Labels: [],
        Policies: [],
      })),
      ...(start + maxResults < rows.length ? { NextToken: this.#token(String(start + maxResults)) } : {}),
    };
  }

  async DeleteParameter(input: { Name?: string }): Promise<Record<string, never>> {
    const name = parseReference(String(input.Name ?? '')).name;
    if (!this.#store.delete(name)) throw new AwsError('ParameterNotFound', '');
    return {};
  }

  async DeleteParameters(input: { Names?: string[] }): Promise<{ DeletedParameters: string[]; InvalidParameters: string[] }> {
    const names = input.Names ?? [];
    if (names.length === 0 || names.length > 10) {
      throw validationError(
        `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length ${names.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 10'}`,
      );
    }
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of [...new Set(names)]) (this.#store.delete(name) ? deleted : invalid).push(name);
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }

  async AddTagsToResource(input: { ResourceType?: string; ResourceId?: string; Tags?: Tag[] }): Promise<Record<string, never>> {
    const name = this.#taggable(input.ResourceType, input.ResourceId);
    const tags = input.Tags ?? [];
    if (tags.some((tag) => /^aws:/i.test(tag.Key))) throw validationError('Tag keys beginning with aws: are reserved for AWS use.');
    this.#store.setTags(name, tags);
    if (this.#store.tags(name).length > 50) {
      this.#store.removeTags(
        name,
        tags.map((tag) => tag.Key),
      );
      throw new AwsError(
        'TooManyTagsError',
        'The Targets parameter includes too many tags. Remove one or more tags and try the command again.',
      );
    }
    return {};
  }

  async RemoveTagsFromResource(input: { ResourceType?: string; ResourceId?: string; TagKeys?: string[] }): Promise<Record<string, never>> {
    this.#store.removeTags(this.#taggable(input.ResourceType, input.ResourceId), input.TagKeys ?? []);
    return {};
  }

  async ListTagsForResource(input: { ResourceType?: string; ResourceId?: string }): Promise<{ TagList: Tag[] }> {
    return { TagList: this.#store.tags(this.#taggable(input.ResourceType, input.ResourceId)) };
  }

  /** The parameter a tagging call names; parameters are the only resources the local SSM has. */
  #taggable(resourceType: string | undefined, resourceId: string | undefined): string {
    if (resourceType !== 'Parameter') {
      throw new AwsError('InvalidResourceType', `The resource type ${resourceType} is not supported locally; only Parameter is.`);
    }
    const row = this.#find(parseReference(String(resourceId ?? '')).name);
    if (row === undefined)
      throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify that you entered the correct ID and try again.');
    return row.name;
  }

  /** The parameter by name; a name without its leading slash, or its ARN, finds it too. */
  #find(name: string, version?: number): ParameterRow | undefined {
    return this.#store.get(name, version) ?? (name.startsWith('/') ? undefined : this.#store.get(`/${name}`, version));
  }

  #parameter(row: ParameterRow, decrypt: boolean, selector?: string): Record<string, unknown> {
    const value =
      row.type === 'SecureString' && !decrypt ? Buffer.from(`local-kms:${row.key_id}:${row.value}`).toString('base64') : row.value;
    return {
      Name: row.name,
      Type: row.type,
      Value: value,
      Version: row.version,
      ...(selector === undefined ? {} : { Selector: selector }),
      LastModifiedDate: row.modified_at / 1000,
      ARN: this.#arn(row.name),
      DataType: row.data_type,
    };
  }

  #matches(row: ParameterRow, filter: Filter): boolean {
    const values = filter.Values ?? [];
    const option = filter.Option ?? 'Equals';
    switch (filter.Key) {
      case 'Name': {
        const name = row.name;
        const bare = (v: string) => (v.startsWith('/') || !name.startsWith('/') ? v : `/${v}`);
        if (option === 'BeginsWith') return values.some((v) => name.startsWith(bare(v)));
        if (option === 'Contains') return values.some((v) => name.includes(v));
        return values.some((v) => name === bare(v));
      }
      case 'Path': {
        return values.some((v) => {
          const prefix = v.endsWith('/') ? v : `${v}/`;
          if (!row.name.startsWith(prefix)) return false;
          return option === 'Recursive' || !row.name.slice(prefix.length).includes('/');
        });
      }
      case 'Type':
        return values.includes(row.type);
      case 'KeyId':
        return row.key_id !== null && values.includes(row.key_id);
      case 'Tier':
        return values.includes(row.tier);
      case 'DataType':
        return values.includes(row.data_type);
      default:
        // Labels and tags are not kept locally: nothing matches them.
        return false;
    }
  }

  #maxResults(value: number | undefined, max: number): number {
    if (value === undefined) return max;
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw validationError(
        `1 validation error detected: Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value ${value < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`,
      );
    }
    return value;
  }

  #token(position: string): string {
    return Buffer.from(JSON.stringify({ after: position })).toString('base64');
  }

  #after(token: string | undefined): string {
    if (token === undefined) return '';
    try {
      const after = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown }).after;
      if (typeof after === 'string') return after;
    } catch {}
    throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
  }

  #arn(name: string): string {
    const path = name.startsWith('/') ? name : `/${name}`;
    return `arn:${partitionOf(this.options.region)}:ssm:${this.options.region}:${this.options.accountId}:parameter${path}`;
  }
}
