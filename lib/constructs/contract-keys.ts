import { Annotations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { type AnyEventContract, checkIdempotencyFields, InvalidContract } from '../../contracts/contract.js';
import { invalidProp } from './validation.js';

/** The warning's id: `Annotations.of(construct).acknowledgeWarning(OPTIONAL_IDEMPOTENCY_FIELD_WARNING)` silences it. */
export const OPTIONAL_IDEMPOTENCY_FIELD_WARNING = '@switchyard/constructs:optionalIdempotencyField';

/**
 * Checks the idempotency fields of the contracts a construct takes (`prop`) at synth, for a
 * contract that did not come from `defineContract` (which checks them itself): a field its
 * schema does not have fails synthesis, naming the contract, the field and the fields it has.
 * A field the schema does not require is a warning: an event without it cannot be keyed, so
 * the kit refuses it (`emit` does not send it; a consumer dead-letters it as InvalidEvent).
 */
export function validateContractKeys(scope: IConstruct, prop: string, contracts: readonly AnyEventContract[] | undefined): void {
  for (const contract of contracts ?? []) {
    let optional: string[];
    try {
      optional = checkIdempotencyFields(contract);
    } catch (error) {
      if (error instanceof InvalidContract) invalidProp(scope, `${prop}: ${error.message}`, { cause: error });
      throw error;
    }
    if (optional.length === 0) continue;
    const fields = optional.join(', ');
    Annotations.of(scope).addWarningV2(
      OPTIONAL_IDEMPOTENCY_FIELD_WARNING,
      `${prop}: contract ${contract.detailType} keys its events on ${fields}, which its schema does not require: an event without ${optional.length === 1 ? 'it' : 'them'} cannot be keyed, so emit refuses to send it and a consumer dead-letters it as InvalidEvent. Make ${fields} required (not Type.Optional), or take ${optional.length === 1 ? 'it' : 'them'} out of idempotencyFields.`,
    );
  }
}
