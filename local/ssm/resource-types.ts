import type { Json } from '../template/resolve.js';
import { type TypeSpecs, text } from '../template/resource-spec.js';

/** A StringList parameter's value may be written as a list in a template; SSM stores it comma-separated. */
function ssmValue(value: Json | undefined): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** SSM's resource types as the template loader names them (its module declares them). */
export const SSM_TYPE_SPECS: TypeSpecs = {
  'AWS::SSM::Parameter': {
    name: { property: 'Name', max: 1011, invalid: /[^A-Za-z0-9_./-]/g },
    identify: (input, name) => ({
      ref: name,
      attributes: { Type: text(input.properties, 'Type') ?? 'String', Value: ssmValue(input.properties.Value) },
    }),
  },
};
