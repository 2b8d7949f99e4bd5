/**
 * The reference app's own names, which its stack (lib/) and its handlers (lambdas/) must
 * agree on: the toolkit's names (ENV, ERROR_NAMES of `switchyard-cdk/contracts`) are the
 * package's; these are this app's business, as another team keeps its own.
 */
import { ERROR_NAMES } from 'switchyard-cdk/contracts';

/** Environment variables the app's flows set and its handlers read at module load. */
export const APP_ENV = {
  /** A Bedrock model or inference profile id; unset means the bundled local model. */
  bedrockModelId: 'BEDROCK_MODEL_ID',
  /** The triage model's token limits (TicketTriage `modelTokens`): the JSON of the kit's TokenLimits; unset means none. */
  modelTokenLimits: 'MODEL_TOKEN_LIMITS',
  /** The table holding one assignment per ticket (TicketRouting). */
  assignmentsTable: 'ASSIGNMENTS_TABLE_NAME',
  /** The order saga's side-effect ledger (OrderSaga): one item per order and effect. */
  ordersLedgerTable: 'ORDERS_LEDGER_TABLE_NAME',
  /** The order saga's stock (OrderSaga): one item per SKU, moved in the transaction that records the reservation. */
  ordersInventoryTable: 'ORDERS_INVENTORY_TABLE_NAME',
  /** The research flow's side-effect ledger (ResearchAgents): one item per model call. */
  researchLedgerTable: 'RESEARCH_LEDGER_TABLE_NAME',
} as const;

/**
 * The app's stable error names (a Lambda error's `errorType`, which its state machines'
 * Retry and Catch match), beside the toolkit's. Renaming one is a breaking change.
 */
export const APP_ERROR_NAMES = {
  ...ERROR_NAMES,
  modelThrottled: 'ModelThrottled',
  modelUnavailable: 'ModelUnavailable',
  modelOutputInvalid: 'ModelOutputInvalid',
  invalidTicket: 'InvalidTicket',
} as const;

/** Transient model failures: the triage and research flows' Retry matches exactly these. */
export const RETRYABLE_MODEL_ERRORS: readonly string[] = [APP_ERROR_NAMES.modelThrottled, APP_ERROR_NAMES.modelUnavailable];
