import { lowerAlphanumericId } from '../random/random-id.js';
import type { StoredModel, StoredRestApi } from './rest-api-store.js';

const DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

/** The two models API Gateway gives every REST API, as GetModels answers them. */
export function defaultModels(): StoredModel[] {
  return [
    {
      id: lowerAlphanumericId(6),
      name: 'Empty',
      description: 'This is a default empty schema model',
      contentType: 'application/json',
      schema: JSON.stringify({ $schema: DRAFT_4, title: 'Empty Schema', type: 'object' }, null, 2),
    },
    {
      id: lowerAlphanumericId(6),
      name: 'Error',
      description: 'This is a default error schema model',
      contentType: 'application/json',
      schema: JSON.stringify(
        { $schema: DRAFT_4, title: 'Error Schema', type: 'object', properties: { message: { type: 'string' } } },
        null,
        2,
      ),
    },
  ];
}

/** An API's models; one kept before models were made through the API has the defaults. */
export const modelsOf = (stored: StoredRestApi): readonly StoredModel[] => stored.models ?? defaultModels();
