/**
 * The testing API: a team's own flows on a local runtime owned by the test (`startApp`),
 * for vitest, jest and node:test. Documented in docs/testing.md.
 *
 * @packageDocumentation
 * @module switchyard-cli/testing
 */

export type {
  IamFindingSummary,
  IamGrantSummary,
  IamReport,
  IamRoleReport,
  MailMessage,
  MailSummary,
} from '../clients/read-api-contract.js';
export type { DeadLetter } from '../inspect/dead-letter-messages.js';
export type { FailedExecution } from '../inspect/failed-executions.js';
export type { StoppedExecution, StopReason } from '../inspect/stop.js';
export type { DeadLetterExpectation, EffectLedger } from './assertions.js';
export type { TestClients } from './clients.js';
export type { ForkInput, ForkOptions, ForkPatch, ForkRecordedInput, ForkStartOptions } from './control.js';
export type { DeadLetterFailure, Failures } from './failures.js';
export type { DuplicateOptions, FailFunctionOptions, FunctionFaultHandle } from './faults.js';
export type { MailSelector } from './mail.js';
export type { ConsumerPause } from './pauses.js';
export { TestAppError, type WaitOptions } from './poll.js';
export type { SendOptions, Sent } from './send.js';
export type { AppSource, StartOptions } from './start.js';
export { startApp, TestApp } from './test-app.js';
export type { SpanNode, SpanSelector } from './traces.js';
export { type BusEvent, type ExecutionSelector, type ExecutionSummary, type ExecutionWaitOptions, executionNameOf } from './waits.js';
