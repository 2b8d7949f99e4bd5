import { randomUUID } from 'node:crypto';
import { forkOfInput, InvalidForkInput } from '../../contracts/fork.js';
import { AwsError } from '../endpoint/aws-error.js';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { Clock } from '../time/clock.js';
import { AWS_OWNED_KEY, executionInput, notForExpress } from './api-input.js';
import { executionOfTaskKey, type HistoryEvent } from './engine/index.js';
import type { ExecutionRecord, ExecutionStore } from './execution-store.js';
import type { ExpressExecutions } from './express-executions.js';
import { apiEvent } from './history-views.js';
import type { LiveExecutions } from './live-executions.js';
import {
  assertValidName,
  assertValidSyncName,
  BY_OFFSET,
  decodeToken,
  encodeToken,
  generatedExecutionName,
  pageOf,
  pageSize,
  parseExecutionArn,
  required,
  seconds,
} from './names.js';
import type { StandardExecutions } from './standard-executions.js';
import { describeMachine, type StateMachineRegistry } from './state-machine-registry.js';
import type { StatusChangeEvents } from './status-change-events.js';
import { type ExecutionOutcome, redriveStatus } from './task-runner.js';
import { variableReferences } from './variable-references.js';
import type { StateMachineVersions } from './versions.js';

export interface StartExecutionInput {
  stateMachineArn?: string;
  name?: string;
  input?: string;
  traceHeader?: string;
}

export interface ListExecutionsInput {
  stateMachineArn?: string;
  statusFilter?: string;
  maxResults?: number;
  nextToken?: string;
  redriveFilter?: string;
}

export interface GetExecutionHistoryInput {
  executionArn?: string;
  maxResults?: number;
  reverseOrder?: boolean;
  nextToken?: string;
  includeExecutionData?: boolean;
}

/** The execution operations of the API, over STANDARD executions in the store and EXPRESS ones in memory. */
export class ExecutionApi {
  constructor(
    private readonly deps: {
      readonly store: ExecutionStore;
      readonly machines: StateMachineRegistry;
      readonly versions: StateMachineVersions;
      readonly live: LiveExecutions;
      readonly standard: StandardExecutions;
      readonly express: ExpressExecutions;
      readonly status: StatusChangeEvents;
      readonly clock: Clock;
    },
  ) {}

  /**
   * StartExecution. A task of another execution passes its key (`options`): the child it
   * starts and the task's record of it are one transaction, and the same key is answered
   * with the same child however often the task runs again. An EXPRESS child is not kept
   * across a restart, so a task that starts one starts another when it runs again.
   */
  StartExecution(input: StartExecutionInput, options: IdempotentCall = {}) {
    return this.start(input, options);
  }

  /**
   * StartExecution, and for a fork of a machine without a fork entry (forks.ts) the top-level
   * state the engine begins at, which no API caller can set.
   */
  async start(input: StartExecutionInput, options: IdempotentCall = {}, forkStart?: string) {
    const { store, machines, standard } = this.deps;
    const key = options.idempotencyKey;
    const recorded = key === undefined ? undefined : store.task(key);
    if (recorded?.kind === 'submission' && recorded.submitted && recorded.response !== undefined) {
      return JSON.parse(recorded.response) as { executionArn: string; startDate: number };
    }
    const record = { ...(await this.#newExecution(input)), forkStart };
    const answer = { executionArn: record.arn, startDate: seconds(record.startDate) };
    if (record.arn.includes(':express:')) {
      this.deps.express.launch(record, machines.compileFor(record.stateMachineArn, record.definition, 'EXPRESS'));
      return answer;
    }
    machines.compileFor(record.stateMachineArn, record.definition, 'STANDARD');
    const startedBy = key === undefined ? undefined : { key, executionArn: executionOfTaskKey(key), response: answer };
    // A record named otherwise than the input is named by #newExecution: a random UUID.
    if (!store.queueExecution(record, startedBy, { generatedName: record.name !== input.name })) {
      // One of this name being stored by another call is answered once it is stored, as a stored one.
      await store.committed();
      const current = store.execution(record.arn);
      if (!current) throw new ExecutionNotStored(record.arn);
      // StartExecution is idempotent for a running STANDARD execution started with the same input.
      if (current.status === 'RUNNING' && current.input === record.input) {
        return { executionArn: current.arn, startDate: seconds(current.startDate) };
      }
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${record.arn}'`);
    }
    try {
      // Resolves once the execution and its ExecutionStarted are committed, together.
      await standard.launch(record);
    } catch (error) {
      // Stored, it is recorded as failed; not stored (its commit is what failed), there is nothing to record.
      await store.committed();
      if (store.execution(record.arn)) standard.failDormant(record, error);
      throw error;
    }
    return answer;
  }

  async StartSyncExecution(input: StartExecutionInput) {
    const { machine } = this.deps.machines.target(required(input.stateMachineArn, 'stateMachineArn'), false);
    if (machine.type !== 'EXPRESS') {
      throw new AwsError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    }
    const record = await this.#newExecution(input, assertValidSyncName);
    return this.deps.express.runSync(record, this.deps.machines.compileFor(record.stateMachineArn, record.definition, 'EXPRESS'));
  }

  async StopExecution(input: { executionArn?: string; error?: string; cause?: string }) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') throw notForExpress();
    const record = this.find(arn);
    if (record.status === 'RUNNING') {
      const live = this.deps.live.get(arn);
      if (live) {
        live.handle.stop(input.error, input.cause);
        await live.ended;
      } else {
        this.deps.standard.abortDormant(record, input.error, input.cause);
      }
    }
    const stopped = this.deps.store.execution(arn) ?? record;
    return { stopDate: seconds(stopped.stopDate ?? this.deps.clock.now()) };
  }

  /** An Express execution's ARN is refused, as AWS refuses it ("not supported by EXPRESS state machines"). */
  async DescribeExecution(input: { executionArn?: string; includedData?: string }) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') throw notForExpress();
    const record = this.find(arn);
    const redrive = this.#redriveStatus(record);
    return {
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      outputDetails: record.output === undefined ? undefined : { included: true },
      error: record.error,
      cause: record.cause,
      traceHeader: record.traceHeader,
      stateMachineVersionArn: record.stateMachineVersionArn,
      stateMachineAliasArn: record.stateMachineAliasArn,
      redriveCount: record.redriveCount,
      redriveDate: record.redriveDate === undefined ? undefined : seconds(record.redriveDate),
      redriveStatus: redrive.status,
      redriveStatusReason: redrive.reason,
    };
  }

  /** An execution of a version names the unqualified machine and the version's revision (AWS's recorded answers). */
  async DescribeStateMachineForExecution(input: { executionArn?: string }) {
    const execution = this.find(required(input.executionArn, 'executionArn'));
    const machine = this.deps.machines.find(execution.stateMachineArn);
    const version = execution.stateMachineVersionArn === undefined ? undefined : this.deps.versions.get(execution.stateMachineVersionArn);
    return {
      stateMachineArn: execution.stateMachineArn,
      name: execution.stateMachineName,
      definition: execution.definition,
      roleArn: execution.roleArn,
      updateDate: seconds(machine?.updateDate ?? machine?.creationDate ?? execution.startDate),
      loggingConfiguration: machine ? describeMachine(machine).loggingConfiguration : { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: machine ? describeMachine(machine).tracingConfiguration : { enabled: false },
      revisionId: version ? version.revisionId : machine?.revisionId,
      encryptionConfiguration: AWS_OWNED_KEY,
      variableReferences: variableReferences(execution.definition),
    };
  }

  /** A version's or an alias's ARN lists the executions started with it. */
  async ListExecutions(input: ListExecutionsInput) {
    const machineArn = required(input.stateMachineArn, 'stateMachineArn');
    const target = this.deps.machines.target(machineArn, false);
    const machine = target.machine;
    if (machine.type === 'EXPRESS')
      throw new AwsError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    // statusFilter's enum is checked against the API model (at the endpoint and for aws-sdk:sfn tasks).
    const limit = pageSize(input.maxResults);
    const scope = `executions|${machineArn}|${input.statusFilter ?? ''}|${input.redriveFilter ?? ''}`;
    const after = decodeToken<{ startDate: number; arn: string }>(input.nextToken, scope);
    const redriven = input.redriveFilter === 'REDRIVEN' ? true : input.redriveFilter === 'NOT_REDRIVEN' ? false : undefined;
    const started = target.stateMachineAliasArn ? { alias: target.stateMachineAliasArn } : { version: target.stateMachineVersionArn };
    const rows = this.deps.store.listExecutions(machine.arn, { status: input.statusFilter, redriven, after, limit: limit + 1, started });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      executions: page.map((r) => ({
        executionArn: r.arn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: seconds(r.startDate),
        stopDate: r.stopDate === undefined ? undefined : seconds(r.stopDate),
        stateMachineVersionArn: r.stateMachineVersionArn,
        stateMachineAliasArn: r.stateMachineAliasArn,
        redriveCount: r.redriveCount,
        redriveDate: r.redriveDate === undefined ? undefined : seconds(r.redriveDate),
      })),
      nextToken: rows.length > limit && last ? encodeToken(scope, { startDate: last.startDate, arn: last.arn }) : undefined,
    };
  }

  async GetExecutionHistory(input: GetExecutionHistoryInput) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') throw notForExpress();
    this.find(arn);
    const reverse = input.reverseOrder === true;
    const events = this.deps.store.history(arn);
    if (reverse) events.reverse();
    const { page, nextToken } = pageOf(events, input, `history|${arn}|${reverse}`, BY_OFFSET);
    const includeData = input.includeExecutionData !== false;
    return { events: page.map((event) => apiEvent(event, includeData)), nextToken };
  }

  async RedriveExecution(input: { executionArn?: string; clientToken?: string }) {
    const { store, standard } = this.deps;
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') {
      throw new AwsError('ExecutionNotRedrivable', `Execution with arn '${arn}' is an Express execution and cannot be redriven`);
    }
    const record = this.find(arn);
    const redrivable = this.#redriveStatus(record);
    if (redrivable.status !== 'REDRIVABLE')
      throw new AwsError('ExecutionNotRedrivable', redrivable.reason ?? 'Execution cannot be redriven');
    const last = store.lastEventId(arn);
    const now = this.deps.clock.now();
    const redriven: HistoryEvent = {
      id: last + 1,
      previousEventId: last,
      timestamp: now,
      type: 'ExecutionRedriven',
      executionRedrivenEventDetails: { redriveCount: record.redriveCount + 1 },
    };
    store.redrive(arn, redriven);
    const reopened = store.execution(arn) as ExecutionRecord;
    this.deps.status.publish(reopened);
    try {
      await standard.launch(reopened, store.history(arn));
    } catch (error) {
      standard.failDormant(reopened, error);
      throw error;
    }
    return { redriveDate: seconds(now) };
  }

  #redriveStatus(record: ExecutionRecord): { status: string; reason?: string } {
    return redriveStatus(record.status, {
      stopDate: record.stopDate,
      now: this.deps.clock.now(),
      eventCount: this.deps.store.lastEventId(record.arn),
    });
  }

  /** Resolves once the execution has ended (at once if it has); rejects when `signal` aborts. */
  executionOutcome(executionArn: string, signal: AbortSignal): Promise<ExecutionOutcome> {
    return this.deps.live.whenEnded(
      executionArn,
      (ended) => {
        // One this process runs is RUNNING: its record is read once it has ended (`ended`, when it has just ended here).
        if (this.deps.live.has(executionArn)) return undefined;
        const record = ended ?? this.find(executionArn);
        return record.status === 'RUNNING' ? undefined : outcomeOf(record);
      },
      signal,
    );
  }

  /** An execution of either type, by its ARN. */
  find(arn: string): ExecutionRecord {
    const kind = parseExecutionArn(arn).kind;
    const record = kind === 'express' ? this.deps.express.get(arn) : this.deps.store.execution(arn);
    if (!record) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  async #newExecution(input: StartExecutionInput, checkName: (name: string) => void = assertValidName): Promise<ExecutionRecord> {
    const target = this.deps.machines.target(required(input.stateMachineArn, 'stateMachineArn'));
    const machine = target.machine;
    const startDate = this.deps.clock.now();
    const name = input.name ?? generatedExecutionName(startDate);
    checkName(name);
    const text = executionInput(input.input);
    const express = machine.type === 'EXPRESS';
    const arn = express
      ? `${machine.arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`
      : `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    return {
      arn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      name,
      status: 'RUNNING',
      definition: target.definition,
      roleArn: target.roleArn,
      stateMachineVersionArn: target.stateMachineVersionArn,
      stateMachineAliasArn: target.stateMachineAliasArn,
      input: text,
      startDate,
      redriveCount: 0,
      // The parameter, or the X-Ray header of the call that started it (a function's, a rule target's, a parent execution's).
      traceHeader: input.traceHeader ?? currentTraceHeader(),
      parentArn: parentOf(text),
    };
  }
}

/** An execution another StartExecution of its name was storing is not in the store once that commit is done. */
export class ExecutionNotStored extends Error {
  override readonly name = 'ExecutionNotStored';
  constructor(readonly executionArn: string) {
    super(`The execution ${executionArn} was being stored by another StartExecution of its name, and is not stored: start it again`);
  }
}

/** The execution a fork's input names as its parent; none for an input whose switchyardFork is not a fork's (a field of the app's own). */
function parentOf(input: string): string | undefined {
  try {
    return forkOfInput(input)?.parent;
  } catch (error) {
    if (error instanceof InvalidForkInput) return undefined;
    throw error;
  }
}

/** The record as a `.sync` task reads it: its own fields, its ARN as `executionArn`. */
function outcomeOf(r: ExecutionRecord): ExecutionOutcome {
  return { ...r, executionArn: r.arn };
}
