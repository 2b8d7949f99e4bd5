import type { Shape } from '../../../local/endpoint/validation/model.js';

/** The scalar types of the shapes the test models' members point at, by the names they use. */
const SCALARS = { Text: 'string', Count: 'integer', Long: 'long', Flag: 'boolean', Bytes: 'blob', Time: 'timestamp' } as const;

/** The scalar shapes the test models' members point at; a model overrides one it constrains. */
export const SCALAR_SHAPES: Record<keyof typeof SCALARS, Shape> = Object.fromEntries(
  Object.entries(SCALARS).map(([name, type]) => [name, { type }]),
) as Record<keyof typeof SCALARS, Shape>;
