import { INTEGRATION_CASES, INTEGRATION_RESPONSE_CASES, METHOD_RESPONSE_CASES } from './recorded-cases-integrations.js';
import { METHOD_CASES } from './recorded-cases-methods.js';
import { MODEL_CASES } from './recorded-cases-models.js';
import { RESOURCE_CASES, VALIDATOR_CASES } from './recorded-cases-resources.js';
import { REST_API_CASES } from './recorded-cases-rest-apis.js';
import { STAGE_CASES } from './recorded-cases-stages.js';
import type { Replay } from './recorded-replay.js';

/** Every replayed recorded test of test_apigateway_api.py, by its `Class::test` name. */
export const CASES: Record<string, Replay> = {
  ...REST_API_CASES,
  ...RESOURCE_CASES,
  ...VALIDATOR_CASES,
  ...INTEGRATION_CASES,
  ...INTEGRATION_RESPONSE_CASES,
  ...METHOD_RESPONSE_CASES,
  ...METHOD_CASES,
  ...MODEL_CASES,
  ...STAGE_CASES,
};
