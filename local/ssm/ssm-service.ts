import { type Operation, operationTable } from '../service-registry/operation-table.js';
import type { ServiceState } from '../store/service-state.js';
import { type DescribeParametersInput, type GetParametersByPathInput, ParameterReading, type ParametersPage } from './parameter-reading.js';
import { ParameterTags } from './parameter-tags.js';
import { type ParameterDefinition, ParameterWriting, type PutParameterInput } from './parameter-writing.js';
import { parameterArn, SsmContext, type Tag } from './ssm-context.js';
import { SsmStore } from './ssm-store.js';

export type { ParameterDefinition } from './parameter-writing.js';

/**
 * Systems Manager Parameter Store: the operations function code commonly calls, over AWS
 * JSON 1.1 (`AmazonSSM.<Operation>`), with SSM's errors and limits.
 *
 * Durable in SQLite: every version is kept and each call commits before it returns, so
 * values put at run time survive restarts (and a SIGKILL). SecureString values are stored
 * as given (no KMS locally).
 *
 * The operations live in the parts below; they stay methods of this class because
 * `operations` finds them by name on `SsmService.prototype`, so each one here only forwards.
 */
export class SsmService {
  readonly #context: SsmContext;
  readonly #writing: ParameterWriting;
  readonly #reading: ParameterReading;
  readonly #tags: ParameterTags;

  constructor(options: ServiceState) {
    this.#context = new SsmContext(new SsmStore(options.db, (name) => parameterArn(name, options)), options);
    this.#writing = new ParameterWriting(this.#context);
    this.#reading = new ParameterReading(this.#context);
    this.#tags = new ParameterTags(this.#context);
  }

  /** The JSON-protocol operations the endpoint serves as `AmazonSSM.<name>`. */
  get operations(): Record<string, Operation> {
    return operationTable(this, SsmService);
  }

  /** The current value of a parameter, for template parameters that read SSM (`AWS::SSM::Parameter::Value<...>`). */
  valueOf(name: string): string | undefined {
    return this.#context.store.get(name)?.value;
  }

  /**
   * Creates the template's parameters; one whose template value changed since the last start
   * gets a new version (as a stack update would); one the template did not change keeps
   * whatever was put at run time. Returns what SSM refused (a name or value it does not allow).
   */
  declare(parameters: readonly ParameterDefinition[]): string[] {
    return this.#writing.declare(parameters);
  }

  async PutParameter(input: PutParameterInput): Promise<{ Version: number; Tier: string }> {
    return this.#writing.putParameter(input);
  }

  async GetParameter(input: { Name: string; WithDecryption?: boolean }): Promise<{ Parameter: Record<string, unknown> }> {
    return this.#reading.getParameter(input);
  }

  async GetParameters(input: { Names: string[]; WithDecryption?: boolean }): Promise<{
    Parameters: Record<string, unknown>[];
    InvalidParameters: string[];
  }> {
    return this.#reading.getParameters(input);
  }

  async GetParametersByPath(input: GetParametersByPathInput): Promise<ParametersPage> {
    return this.#reading.getParametersByPath(input);
  }

  async DescribeParameters(input: DescribeParametersInput): Promise<ParametersPage> {
    return this.#reading.describeParameters(input);
  }

  async GetParameterHistory(input: { Name?: string; WithDecryption?: boolean; MaxResults?: number; NextToken?: string }) {
    return this.#reading.getParameterHistory(input);
  }

  async DeleteParameter(input: { Name?: string }): Promise<Record<string, never>> {
    return this.#writing.deleteParameter(input);
  }

  async DeleteParameters(input: { Names: string[] }): Promise<{ DeletedParameters: string[]; InvalidParameters: string[] }> {
    return this.#writing.deleteParameters(input);
  }

  async AddTagsToResource(input: { ResourceType?: string; ResourceId?: string; Tags?: Tag[] }): Promise<Record<string, never>> {
    return this.#tags.addTagsToResource(input);
  }

  async RemoveTagsFromResource(input: { ResourceType?: string; ResourceId?: string; TagKeys?: string[] }): Promise<Record<string, never>> {
    return this.#tags.removeTagsFromResource(input);
  }

  async ListTagsForResource(input: { ResourceType?: string; ResourceId?: string }): Promise<{ TagList: Tag[] }> {
    return this.#tags.listTagsForResource(input);
  }
}
