import type { LoadedApp } from '../template/load.js';
import type { ParameterDefinition } from './ssm-service.js';

/** The SSM parameters the app's templates declare (`AWS::SSM::Parameter`), with where each comes from for warnings. */
export function ssmParameterDefinitions(app: LoadedApp): ParameterDefinition[] {
  return app.stacks.flatMap((stack) =>
    stack.resources
      // A value that could not be resolved is already reported; the parameter is not created without one.
      .filter((r) => r.type === 'AWS::SSM::Parameter' && r.properties.Value !== undefined)
      .map((r) => {
        const p = r.properties;
        const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
        return {
          where: `${r.stackName}/${r.logicalId} (AWS::SSM::Parameter)`,
          name: r.physicalName,
          type: text('Type') ?? 'String',
          value: r.attributes.Value ?? '',
          ...(text('Description') === undefined ? {} : { description: text('Description') }),
          ...(text('AllowedPattern') === undefined ? {} : { allowedPattern: text('AllowedPattern') }),
          ...(text('Tier') === undefined ? {} : { tier: text('Tier') }),
          ...(text('DataType') === undefined ? {} : { dataType: text('DataType') }),
        };
      }),
  );
}
