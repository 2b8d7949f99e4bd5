import type { Template } from './cloud-assembly.js';
import { NO_VALUE, type Resolver } from './resolve.js';

/** A stack as `DescribeStacks` describes it: its id, template description, parameter values and outputs. */
export interface StackDescription {
  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`, what `AWS::StackId` resolves to. */
  readonly stackId: string;
  readonly templateDescription?: string;
  /** The stack that holds this one, for a nested stack. */
  readonly parentStackId?: string;
  readonly parameters: readonly StackParameter[];
  readonly outputs: readonly StackOutput[];
}

export interface StackParameter {
  readonly key: string;
  /** What the stack was given, or the default; `****` for a `NoEcho` parameter, as CloudFormation masks it. */
  readonly value: string;
  /** For `AWS::SSM::Parameter::Value<...>` parameters, the SSM value the name resolved to. */
  readonly resolvedValue?: string;
}

export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

export interface DescribeStackInput {
  readonly template: Template;
  readonly resolver: Resolver;
  /** The values given for the template's parameters (with CDK v1's asset parameters). */
  readonly parameterValues: Readonly<Record<string, string>>;
  /** The stack's resolved outputs, by key. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Output key -> the name it is exported under. */
  readonly exportNames: Readonly<Record<string, string>>;
  readonly parentStackId?: string;
}

/** The stack as DescribeStacks shows it; a value the runtime could not resolve is left out, as it was warned about when loading. */
export function describeStack(input: DescribeStackInput): StackDescription {
  const { template, resolver } = input;
  const parameters = Object.entries(template.Parameters ?? {}).map(([key, parameter]): StackParameter => {
    const given = input.parameterValues[key];
    const value = given ?? (parameter.Default === undefined ? '' : scalarText(parameter.Default));
    if (parameter.NoEcho === true || parameter.NoEcho === 'true') return { key, value: '****' };
    if (!parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) return { key, value };
    const resolved = resolver.resolveTolerant({ Ref: key }, `Parameters.${key}`, () => undefined);
    return resolved === NO_VALUE ? { key, value } : { key, value, resolvedValue: scalarText(resolved) };
  });
  return {
    stackId: resolver.stackId,
    ...(template.Description === undefined ? {} : { templateDescription: template.Description }),
    ...(input.parentStackId === undefined ? {} : { parentStackId: input.parentStackId }),
    parameters,
    outputs: Object.entries(input.outputs).map(([key, value]) => {
      const description = template.Outputs?.[key]?.Description;
      const exportName = input.exportNames[key];
      return { key, value, ...(description === undefined ? {} : { description }), ...(exportName === undefined ? {} : { exportName }) };
    }),
  };
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
}
