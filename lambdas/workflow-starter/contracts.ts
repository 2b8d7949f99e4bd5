import { type AnyEventContract, type ContractDefinition, contractFromDefinition, InvalidContract } from '../../contracts/contract.js';
import { STARTER_CONTRACTS_DEFINE } from '../../contracts/wiring.js';
import { ConfigError } from '../kit/errors.js';

/**
 * The contracts of the events a starter accepts, from the JSON its Workflow construct
 * put into the bundle (`STARTER_CONTRACTS_DEFINE`): the app's contracts are the app's, so
 * the packaged starter learns them at bundle time rather than importing them.
 */
export function starterContracts(json: string | undefined): AnyEventContract[] {
  if (json === undefined) {
    throw new ConfigError(`the workflow starter was bundled without ${STARTER_CONTRACTS_DEFINE}: create it with the Workflow construct`);
  }
  let definitions: unknown;
  try {
    definitions = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${STARTER_CONTRACTS_DEFINE} is not JSON`, { cause: error });
  }
  if (!Array.isArray(definitions) || definitions.length === 0) {
    throw new ConfigError(`${STARTER_CONTRACTS_DEFINE} must be a non-empty array of contract definitions`);
  }
  try {
    return (definitions as ContractDefinition[]).map(contractFromDefinition);
  } catch (error) {
    // Synthesis refuses such a contract (EventHub, QueueConsumer): this is a bundle built another way.
    if (error instanceof InvalidContract) throw new ConfigError(`${STARTER_CONTRACTS_DEFINE}: ${error.message}`, { cause: error });
    throw error;
  }
}
