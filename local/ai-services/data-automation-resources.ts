import type { LoadedResource } from '../template/load.js';
import { stableUuid } from '../template/resolve.js';
import { ALPHANUMERIC_DASH_UNDERSCORE, arn, CREATED, type IdentityInput, type ResourceTypes } from '../template/resource-spec.js';

/** A project's or blueprint's id as Data Automation makes them (lower-case hex), here derived from its place in the app. */
const idOf = (input: IdentityInput, length: number): string =>
  stableUuid(`${input.stackName}/${input.logicalId}`).replaceAll('-', '').slice(0, length);

/**
 * Data Automation's resource types (its module declares them): Ref is the ARN, Fn::GetAtt
 * gives the ARN, stage, status and times, as CloudFormation documents them.
 */
export const DATA_AUTOMATION_TYPES: ResourceTypes = {
  'AWS::Bedrock::DataAutomationProject': {
    name: { property: 'ProjectName', max: 128, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const projectArn = arn(input, 'bedrock', `data-automation-project/${idOf(input, 12)}`);
      return {
        ref: projectArn,
        attributes: { ProjectArn: projectArn, ProjectStage: 'LIVE', Status: 'COMPLETED', CreationTime: CREATED, LastModifiedTime: CREATED },
      };
    },
  },
  'AWS::Bedrock::Blueprint': {
    name: { property: 'BlueprintName', max: 128, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const blueprintArn = arn(input, 'bedrock', `blueprint/${idOf(input, 12)}`);
      return {
        ref: blueprintArn,
        attributes: { BlueprintArn: blueprintArn, BlueprintStage: 'LIVE', CreationTime: CREATED, LastModifiedTime: CREATED },
      };
    },
  },
};

/** A blueprint as a job applies it: its ARN, name and the fields its schema asks for. */
export interface BlueprintFields {
  readonly arn: string;
  readonly name: string;
  /** Each field the schema's `properties` name, with its type and instruction. */
  readonly fields: readonly { readonly name: string; readonly type: string; readonly instruction?: string }[];
}

/** The blueprint of the template with this ARN, its schema read (a string of JSON, or JSON). */
export function blueprintOf(resources: readonly LoadedResource[], blueprintArn: string): BlueprintFields | undefined {
  const resource = resources.find((r) => r.ref === blueprintArn);
  if (resource === undefined) return undefined;
  const raw = resource.properties.Schema;
  let schema: Record<string, unknown> = {};
  try {
    schema = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
  } catch {
    // CloudFormation refuses a schema that is no JSON before the app runs; locally it extracts no fields.
  }
  const properties = (schema?.properties ?? {}) as Record<string, { type?: string; instruction?: string }>;
  return {
    arn: blueprintArn,
    name: String(resource.properties.BlueprintName ?? resource.physicalName),
    fields: Object.entries(properties).map(([name, field]) => ({
      name,
      type: typeof field?.type === 'string' ? field.type : 'string',
      ...(typeof field?.instruction === 'string' ? { instruction: field.instruction } : {}),
    })),
  };
}
