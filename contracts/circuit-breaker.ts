// Through a namespace import a bundle keeps only these builders (see contract.ts).
import * as Type from 'typebox';
import { type Detail, defineContract } from './contract.js';

const Circuit = Type.String({ minLength: 1, maxLength: 255 });
/** Which transition of the circuit this is: every transition increments it, so (circuit, generation) names one fact. */
const Generation = Type.Integer({ minimum: 1 });

/**
 * A circuit breaker opened: callers of the downstream it protects now fail fast with
 * `CircuitOpen` until `openUntil`, after which a few trial calls decide whether it closes.
 */
export const CircuitOpened = defineContract({
  detailType: 'CircuitOpened',
  source: 'switchyard.circuit-breaker',
  description: 'A circuit breaker opened: calls to its downstream fail fast until openUntil.',
  properties: {
    circuit: Circuit,
    generation: Generation,
    /** `threshold`: too many failures in the window (from closed); `trial-failed`: a half-open trial call failed. */
    reason: Type.Union([Type.Literal('threshold'), Type.Literal('trial-failed')]),
    /** Failures counted in the window when it opened (1 for a failed trial). */
    failures: Type.Integer({ minimum: 1 }),
    openedAt: Type.String({ minLength: 1 }),
    openUntil: Type.String({ minLength: 1 }),
    /** `<error name>: <message>` of the failure that opened it. */
    lastFailure: Type.String(),
  },
  idempotencyFields: ['circuit', 'generation'],
});
export type CircuitOpened = Detail<typeof CircuitOpened>;

/** A circuit breaker closed: a half-open trial call succeeded, calls flow again. */
export const CircuitClosed = defineContract({
  detailType: 'CircuitClosed',
  source: 'switchyard.circuit-breaker',
  description: 'A circuit breaker closed after a successful trial call: calls to its downstream flow again.',
  properties: {
    circuit: Circuit,
    generation: Generation,
    closedAt: Type.String({ minLength: 1 }),
  },
  idempotencyFields: ['circuit', 'generation'],
});
export type CircuitClosed = Detail<typeof CircuitClosed>;
