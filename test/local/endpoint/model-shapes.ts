import type { Shape } from '../../../local/endpoint/validation/model.js';

/** The scalar shapes the test models' members point at, by the names they use; a model overrides one it constrains. */
export const SCALAR_SHAPES = {
  Text: { type: 'string' },
  Count: { type: 'integer' },
  Long: { type: 'long' },
  Flag: { type: 'boolean' },
  Bytes: { type: 'blob' },
  Time: { type: 'timestamp' },
} as const satisfies Record<string, Shape>;
