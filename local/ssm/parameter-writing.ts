import { AwsError, validationError } from '../endpoint/aws-error.js';
import { checkParameterName, parseReference } from './names.js';
import type { SsmContext, Tag } from './ssm-context.js';
import type { ParameterRow } from './ssm-store.js';

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

/** PutParameter's input: the codec has checked what the model declares (Name and Value given, Type and Tier in their enums). */
export interface WriteInput {
  Name: string;
  Value: string;
  Type?: string;
  Description?: string;
  KeyId?: string;
  AllowedPattern?: string;
  Tags?: Tag[];
  Tier?: string;
  DataType?: string;
}

export type PutParameterInput = WriteInput & { Overwrite?: boolean };

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;
const DEFAULT_KEY = 'alias/aws/ssm';

/** PutParameter, the template's parameters, and deleting: every change to a parameter, with SSM's checks and limits. */
export class ParameterWriting {
  constructor(private readonly context: SsmContext) {}

  /**
   * Creates the template's parameters; one whose template value changed since the last start
   * gets a new version (as a stack update would); one the template did not change keeps
   * whatever was put at run time. Returns what SSM refused (a name or value it does not allow).
   */
  declare(parameters: readonly ParameterDefinition[]): string[] {
    const { store } = this.context;
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
      const last = store.templateValue(parameter.name);
      const unchanged = last !== undefined && last.value === parameter.value && last.type === parameter.type;
      if (unchanged && store.get(parameter.name) !== undefined) continue;
      try {
        this.write(
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
      store.setTemplateValue(parameter.name, parameter.type, parameter.value);
    }
    return problems;
  }

  putParameter(input: PutParameterInput): { Version: number; Tier: string } {
    if (input.Overwrite === true && (input.Tags?.length ?? 0) > 0) {
      throw validationError(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    return this.write(input, input.Overwrite === true);
  }

  /** A new version of the parameter (its first, when it does not exist), after every check PutParameter makes. */
  write(input: WriteInput, overwrite: boolean): { Version: number; Tier: string } {
    const name = input.Name;
    checkParameterName(name, (n) => this.context.arn(n));
    const value = input.Value;
    const existing = this.context.store.get(name);
    if (existing !== undefined && !overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const { type, requestedTier, dataType } = checkEnums(input, existing);
    const tier = tierFor(requestedTier, input, value, existing);
    const allowedPattern = input.AllowedPattern ?? existing?.allowed_pattern ?? undefined;
    checkValue(value, allowedPattern, dataType);
    const version = this.context.store.put(
      {
        name,
        type,
        value,
        data_type: dataType,
        tier,
        description: input.Description ?? existing?.description ?? null,
        allowed_pattern: allowedPattern ?? null,
        key_id: type === 'SecureString' ? (input.KeyId ?? existing?.key_id ?? DEFAULT_KEY) : null,
        modified_at: this.context.options.clock.now(),
      },
      input.Tags,
    );
    return { Version: version, Tier: tier };
  }

  deleteParameter(input: { Name?: string }): Record<string, never> {
    const name = parseReference(String(input.Name ?? '')).name;
    if (!this.context.store.delete(name)) throw new AwsError('ParameterNotFound', '');
    return {};
  }

  deleteParameters(input: { Names: string[] }): { DeletedParameters: string[]; InvalidParameters: string[] } {
    const names = input.Names;
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of [...new Set(names)]) (this.context.store.delete(name) ? deleted : invalid).push(name);
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }
}

/** The type, tier and data type a write asks for (an update keeps the type and data type it does not name). */
function checkEnums(input: WriteInput, existing: ParameterRow | undefined): { type: string; requestedTier: string; dataType: string } {
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
  return { type, requestedTier, dataType };
}

/** The tier the parameter ends up in, with the value's length checked against it. */
function tierFor(requestedTier: string, input: WriteInput, value: string, existing: ParameterRow | undefined): 'Standard' | 'Advanced' {
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
  return tier;
}

/** The value against the parameter's allowed pattern and its data type. */
function checkValue(value: string, allowedPattern: string | undefined, dataType: string): void {
  if (allowedPattern !== undefined && allowedPattern !== '') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(allowedPattern);
    } catch {
      // AwsError carries no cause: the answer is SSM's error, and the SyntaxError says no more than it.
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
}
