import { Duration } from 'aws-cdk-lib';
import { TICKET_QUEUES, type TicketQueue } from '../domain/index.js';
import type { SwitchyardStackProps } from '../lib/switchyard-stack.js';

/**
 * One deployment of the reference app: its stage name, where it deploys, and the settings
 * that differ between deployments. `cdk synth -c stage=<name>` picks one (default: `local`);
 * `-c <setting>=<value>` overrides a setting of the stage picked for one synth.
 */
export interface StageConfig {
  /** Lower-case letters, digits and '-': part of the stack name, so of every physical name. */
  readonly name: string;
  /**
   * A 12-digit AWS account id.
   * @default - the account of the CLI's credentials (CDK_DEFAULT_ACCOUNT)
   */
  readonly account?: string;
  /**
   * An AWS region, such as eu-west-1.
   * @default - the CLI's region (CDK_DEFAULT_REGION)
   */
  readonly region?: string;
  /** Accounts besides the stage's own that may publish to the hub (12-digit ids). */
  readonly allowedAccounts?: readonly string[];
  /**
   * Bedrock model or inference profile for ticket classification.
   * @default - the bundled local model
   */
  readonly bedrockModelId?: string;
  /** Confidence (0 to 1) at or above which tickets are routed without a person. */
  readonly confidenceThreshold: number;
  /**
   * Queue for escalated tickets whose SLA passes undecided.
   * @default - the model's suggestion
   */
  readonly slaDefaultQueue?: TicketQueue;
  /** Whether example events may ask the demo flows to fail on purpose. */
  readonly simulatedFailures: boolean;
  /** The first reviewer's SLA on an escalated ticket, in seconds (1 to 31,536,000). */
  readonly escalationSlaSeconds: number;
  /**
   * Who may decide once an escalation is reassigned to the support lead.
   * @default - anyone
   */
  readonly escalationLeads?: readonly string[];
  /**
   * Whether the stage's bus, queues, tables, logs, secrets and alarm topic are encrypted
   * with one customer-managed KMS key of its own (rotated yearly), instead of AWS-managed keys.
   * @default false
   */
  readonly customerManagedKey?: boolean;
}

/** A stage with what synthesis needs besides its settings. */
export interface ResolvedStage extends StageConfig {
  /** The CloudFormation stack name: every physical name the stack sets starts with it. */
  readonly stackName: string;
  readonly env: { readonly account: string | undefined; readonly region: string | undefined };
}

/** The stage `cdk synth`, `npm start` and `switchyard dev` use without `-c stage=...`. */
export const DEFAULT_STAGE = 'local';

/**
 * The app's stages. Two stages deploy side by side in one account and region: each is its own
 * stack, and the names the stack gives its resources (the hub's bus, the state machines' log
 * groups, the webhook API) start with the stack name; every other name CloudFormation
 * generates from the stack name too.
 */
export const STAGES: Readonly<Record<string, StageConfig>> = {
  // The local runtime's and the demos': on this machine or a sandbox account.
  local: {
    name: 'local',
    confidenceThreshold: 0.7,
    simulatedFailures: true,
    escalationSlaSeconds: 4 * 60 * 60,
  },
  // A shared development account: the demos' failure switches stay on.
  dev: {
    name: 'dev',
    confidenceThreshold: 0.7,
    simulatedFailures: true,
    escalationSlaSeconds: 4 * 60 * 60,
  },
  // Customers' tickets: no simulated failures; their data under a key the team controls
  // (its use is in CloudTrail, its grants can be revoked).
  prod: {
    name: 'prod',
    confidenceThreshold: 0.7,
    simulatedFailures: false,
    escalationSlaSeconds: 4 * 60 * 60,
    customerManagedKey: true,
  },
};

/**
 * The stack of a stage: `Switchyard-<stage>`, except the default stage's, which keeps the
 * name `Switchyard` the local runtime, the tests and stacks deployed before stages existed
 * know (a new stack name is a new stack: every resource, tables included, would be created
 * anew).
 */
export function stackNameOf(stage: string): string {
  return stage === DEFAULT_STAGE ? 'Switchyard' : `Switchyard-${stage}`;
}

/** A stage configuration that cannot synthesize: one line per setting at fault, each naming it. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
  constructor(
    readonly stage: string,
    readonly problems: readonly string[],
  ) {
    super(`stage "${stage}" is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const MODEL_ID = /^[\w.:-]{1,256}$/;
const SECONDS_PER_YEAR = 31_536_000;

/** Every problem with one stage's settings, each starting with the setting's name. */
export function validateStage(stage: StageConfig): string[] {
  const problems: string[] = [];
  const shown = (value: unknown) => JSON.stringify(value);
  if (typeof stage.name !== 'string' || !STAGE_NAME.test(stage.name)) {
    problems.push(`name must be 1 to 20 lower-case letters, digits or '-', starting with a letter (got ${shown(stage.name)})`);
  }
  if (stage.account !== undefined && !ACCOUNT.test(stage.account)) {
    problems.push(`account must be a 12-digit AWS account id (got ${shown(stage.account)})`);
  }
  if (stage.region !== undefined && !REGION.test(stage.region)) {
    problems.push(`region must be an AWS region such as eu-west-1 (got ${shown(stage.region)})`);
  }
  for (const account of stage.allowedAccounts ?? []) {
    if (!ACCOUNT.test(account)) problems.push(`allowedAccounts must hold 12-digit AWS account ids (got ${shown(account)})`);
  }
  if (stage.bedrockModelId !== undefined && !MODEL_ID.test(stage.bedrockModelId)) {
    problems.push(`bedrockModelId must be a Bedrock model or inference profile id (got ${shown(stage.bedrockModelId)})`);
  }
  const threshold = stage.confidenceThreshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    problems.push(`confidenceThreshold must be a number from 0 to 1 (got ${shown(threshold)})`);
  }
  if (stage.slaDefaultQueue !== undefined && !(TICKET_QUEUES as readonly string[]).includes(stage.slaDefaultQueue)) {
    problems.push(`slaDefaultQueue must be one of ${TICKET_QUEUES.join(', ')} (got ${shown(stage.slaDefaultQueue)})`);
  }
  if (typeof stage.simulatedFailures !== 'boolean') {
    problems.push(`simulatedFailures must be true or false (got ${shown(stage.simulatedFailures)})`);
  }
  const sla = stage.escalationSlaSeconds;
  if (typeof sla !== 'number' || !Number.isInteger(sla) || sla < 1 || sla > SECONDS_PER_YEAR) {
    problems.push(`escalationSlaSeconds must be a whole number of seconds from 1 to ${SECONDS_PER_YEAR} (got ${shown(sla)})`);
  }
  for (const lead of stage.escalationLeads ?? []) {
    if (typeof lead !== 'string' || lead.trim() === '') problems.push(`escalationLeads must hold non-empty names (got ${shown(lead)})`);
  }
  if (stage.customerManagedKey !== undefined && typeof stage.customerManagedKey !== 'boolean') {
    problems.push(`customerManagedKey must be true or false (got ${shown(stage.customerManagedKey)})`);
  }
  return problems;
}

/** Reads a context value: `app.node.tryGetContext` (cdk.json, cdk.context.json, `-c name=value`). */
export type ContextReader = (name: string) => unknown;

/** The settings `-c <name>=<value>` may override, and how a command-line string becomes the setting's type. */
const OVERRIDES: { readonly [K in keyof StageConfig]?: (value: unknown) => unknown } = {
  account: text,
  region: text,
  allowedAccounts: list,
  bedrockModelId: text,
  confidenceThreshold: number,
  slaDefaultQueue: text,
  simulatedFailures: boolean,
  escalationSlaSeconds: number,
  escalationLeads: list,
  customerManagedKey: boolean,
};

/**
 * The stage `-c stage=<name>` names (default `local`), with any `-c <setting>=<value>`
 * overrides applied, validated.
 * @throws StageConfigError naming every setting at fault (and `stage` itself when no stage has that name)
 */
export function resolveStage(
  context: ContextReader,
  env: NodeJS.ProcessEnv = process.env,
  stages: Readonly<Record<string, StageConfig>> = STAGES,
): ResolvedStage {
  const requested = context('stage');
  const name = requested === undefined || requested === '' ? DEFAULT_STAGE : String(requested);
  const base = Object.hasOwn(stages, name) ? stages[name] : undefined;
  if (base === undefined) {
    throw new StageConfigError(name, [`stage must be one of ${Object.keys(stages).join(', ')} (got ${JSON.stringify(name)})`]);
  }
  const merged: Record<string, unknown> = { ...base };
  const overridden: string[] = [];
  for (const [setting, parse] of Object.entries(OVERRIDES)) {
    const value = context(setting);
    if (value === undefined || value === '') continue;
    merged[setting] = parse(value);
    overridden.push(setting);
  }
  const stage = merged as unknown as StageConfig;
  const problems = validateStage(stage).map((problem) => {
    const setting = problem.slice(0, problem.indexOf(' '));
    return overridden.includes(setting) ? `${problem}, from -c ${setting}` : problem;
  });
  if (base.name !== name)
    problems.push(`name must be the stage's key in STAGES (got ${JSON.stringify(base.name)} under ${JSON.stringify(name)})`);
  if (problems.length > 0) throw new StageConfigError(name, problems);
  return {
    ...stage,
    stackName: stackNameOf(stage.name),
    env: { account: stage.account ?? env.CDK_DEFAULT_ACCOUNT, region: stage.region ?? env.CDK_DEFAULT_REGION },
  };
}

/** The stack props of a stage (bin/app.ts builds the stage's SwitchyardStack with them). */
export function stackPropsOf(stage: ResolvedStage): SwitchyardStackProps {
  return {
    stackName: stage.stackName,
    env: stage.env,
    description: 'Switchyard: event-driven AI workflows (EventBridge, SQS, Lambda, Step Functions, DynamoDB)',
    allowedAccounts: stage.allowedAccounts,
    bedrockModelId: stage.bedrockModelId,
    confidenceThreshold: stage.confidenceThreshold,
    slaDefaultQueue: stage.slaDefaultQueue,
    simulatedFailures: stage.simulatedFailures,
    escalationSla: Duration.seconds(stage.escalationSlaSeconds),
    escalationLeads: stage.escalationLeads,
    customerManagedKey: stage.customerManagedKey,
  };
}

function text(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

function number(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parsed = Number(value.trim());
  return value.trim() === '' || Number.isNaN(parsed) ? value : parsed;
}

function boolean(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function list(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
