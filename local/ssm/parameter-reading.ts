import { AwsError, validationError } from '../endpoint/aws-error.js';
import { isValidParameterName, parseReference } from './names.js';
import type { SsmContext } from './ssm-context.js';
import type { ParameterRow } from './ssm-store.js';

export type Filter = { Key?: string; Option?: string; Values?: string[] };
export type ParametersPage = { Parameters: Record<string, unknown>[]; NextToken?: string };

export interface GetParametersByPathInput {
  Path?: string;
  Recursive?: boolean;
  ParameterFilters?: Filter[];
  WithDecryption?: boolean;
  MaxResults?: number;
  NextToken?: string;
}

export interface DescribeParametersInput {
  Filters?: { Key?: string; Values?: string[] }[];
  ParameterFilters?: Filter[];
  MaxResults?: number;
  NextToken?: string;
}

const INVALID_PATH =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

/**
 * The operations that read parameters: by name, by path, described, and their history.
 * SecureString values are stored as given (no KMS locally); without WithDecryption they
 * come back as an opaque base64 blob, as SSM returns ciphertext.
 */
export class ParameterReading {
  constructor(private readonly context: SsmContext) {}

  getParameter(input: { Name: string; WithDecryption?: boolean }): { Parameter: Record<string, unknown> } {
    const reference = parseReference(input.Name);
    // Labels are not kept locally: a label selector finds nothing, as an unknown label does on AWS.
    const row = reference.label === undefined ? this.context.find(reference.name, reference.version) : undefined;
    if (row === undefined) {
      if (reference.version !== undefined && this.context.find(reference.name) !== undefined) {
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${reference.version} of ${reference.name}. Verify the version and try again.`,
        );
      }
      throw new AwsError('ParameterNotFound', `Parameter ${reference.name} not found.`);
    }
    return { Parameter: this.#parameter(row, input.WithDecryption === true, reference.selector) };
  }

  getParameters(input: { Names: string[]; WithDecryption?: boolean }): {
    Parameters: Record<string, unknown>[];
    InvalidParameters: string[];
  } {
    const names = input.Names;
    const parameters: Record<string, unknown>[] = [];
    const invalid: string[] = [];
    for (const requested of [...new Set(names)]) {
      const reference = parseReference(requested);
      const row =
        isValidParameterName(reference.name) && reference.label === undefined
          ? this.context.find(reference.name, reference.version)
          : undefined;
      if (row === undefined) invalid.push(requested);
      else parameters.push(this.#parameter(row, input.WithDecryption === true, reference.selector));
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  }

  getParametersByPath(input: GetParametersByPathInput): ParametersPage {
    const path = input.Path;
    if (typeof path !== 'string' || !path.startsWith('/') || (path !== '/' && !isValidParameterName(path.replace(/\/$/, '')))) {
      throw validationError(INVALID_PATH);
    }
    const maxResults = input.MaxResults ?? 10;
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const filters = input.ParameterFilters ?? [];
    for (const filter of filters) {
      if (!['Type', 'KeyId', 'Label', 'DataType', 'Tier'].includes(filter.Key ?? '')) {
        throw new AwsError(
          'InvalidFilterKey',
          `The following filter key is not valid: ${filter.Key}. Valid filter keys include: [Type, KeyId].`,
        );
      }
    }
    const rows = this.context.store
      .current(prefix, after(input.NextToken))
      .filter((row) => input.Recursive === true || !row.name.slice(prefix.length).includes('/'))
      .filter((row) => filters.every((filter) => matches(row, filter)));
    const page = rows.slice(0, maxResults);
    return {
      Parameters: page.map((row) => this.#parameter(row, input.WithDecryption === true)),
      ...(rows.length > maxResults ? { NextToken: token(page.at(-1)?.name ?? '') } : {}),
    };
  }

  describeParameters(input: DescribeParametersInput): ParametersPage {
    if (input.Filters !== undefined && input.ParameterFilters !== undefined) {
      throw validationError('You can use either Filters or ParameterFilters in a single request.');
    }
    const maxResults = input.MaxResults ?? 50;
    const filters: Filter[] = [
      ...(input.ParameterFilters ?? []),
      ...(input.Filters ?? []).map((f) => ({ Key: f.Key, Option: 'Equals', Values: f.Values })),
    ];
    for (const filter of filters) {
      if (!['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'Label'].includes(filter.Key ?? '') && !filter.Key?.startsWith('tag:')) {
        throw new AwsError('InvalidFilterKey', `The following filter key is not valid: ${filter.Key}.`);
      }
    }
    const rows = this.context.store.current('', after(input.NextToken)).filter((row) => filters.every((f) => matches(row, f)));
    const page = rows.slice(0, maxResults);
    return {
      Parameters: page.map((row) => ({
        Name: row.name,
        ARN: this.context.arn(row.name),
        Type: row.type,
        ...(row.key_id ? { KeyId: row.key_id } : {}),
        LastModifiedDate: row.modified_at / 1000,
        LastModifiedUser: this.context.lastModifiedUser,
        ...(row.description ? { Description: row.description } : {}),
        ...(row.allowed_pattern ? { AllowedPattern: row.allowed_pattern } : {}),
        Version: row.version,
        Tier: row.tier,
        Policies: [],
        DataType: row.data_type,
      })),
      ...(rows.length > maxResults ? { NextToken: token(page.at(-1)?.name ?? '') } : {}),
    };
  }

  getParameterHistory(input: { Name?: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }) {
    const name = parseReference(String(input.Name ?? '')).name;
    const rows = this.context.store.history(name);
    if (rows.length === 0) throw new AwsError('ParameterNotFound', '');
    const maxResults = input.MaxResults ?? 50;
    const start = input.NextToken === undefined ? 0 : Number(after(input.NextToken));
    const page = rows.slice(start, start + maxResults);
    return {
      Parameters: page.map((row) => ({
        ...this.#parameter(row, input.WithDecryption === true),
        ...(row.description ? { Description: row.description } : {}),
        ...(row.key_id ? { KeyId: row.key_id } : {}),
        LastModifiedUser: this.context.lastModifiedUser,
        Tier: row.tier,
        Labels: [],
        Policies: [],
      })),
      ...(start + maxResults < rows.length ? { NextToken: token(String(start + maxResults)) } : {}),
    };
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
      ARN: this.context.arn(row.name),
      DataType: row.data_type,
    };
  }
}

function matches(row: ParameterRow, filter: Filter): boolean {
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

/** A page token: where the next page starts (a name, or a position in the history), opaque to the caller. */
function token(position: string): string {
  return Buffer.from(JSON.stringify({ after: position })).toString('base64');
}

function after(token: string | undefined): string {
  if (token === undefined) return '';
  try {
    const position = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown }).after;
    if (typeof position === 'string') return position;
  } catch {
    // Not JSON: not a token this service gave out, which SSM answers as the error below.
  }
  throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
}
