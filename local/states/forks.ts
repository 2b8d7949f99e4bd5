/**
 * Forks of STANDARD executions (contracts/fork.ts): a new execution of the machine's current
 * definition that begins at a top-level state its parent entered, with the input and variables
 * the state had there, or an edit of them. A machine with a fork entry (a Switchyard Workflow's)
 * gets the fork as AWS would, through StartExecution; any other machine's fork begins at the
 * state in the engine. The name derives from the parent and the edit: the same fork asked twice
 * answers the execution the first one started.
 */

import type { ForkAnswer, ForkRequest } from '../../clients/read-api-contract.js';
import { ForkNotPossible, hasForkEntry, planFork } from '../../contracts/fork.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { ExecutionApi } from './execution-api.js';
import type { ExecutionRecord, ExecutionStore } from './execution-store.js';
import { apiEvent } from './history-views.js';
import { parseExecutionArn } from './names.js';
import type { StateMachineRegistry } from './state-machine-registry.js';

export type { ForkAnswer, ForkRequest };

export class Forks {
  constructor(
    private readonly deps: { readonly store: ExecutionStore; readonly machines: StateMachineRegistry; readonly executions: ExecutionApi },
  ) {}

  async fork(request: ForkRequest): Promise<ForkAnswer> {
    const parent = this.#parent(request.executionArn);
    const history = this.deps.store.history(parent.arn).map((event) => apiEvent(event, true));
    const { name, input, fork } = planFork(parent, history, request);
    const machine = this.deps.machines.get(parent.stateMachineArn);
    const definition = JSON.parse(machine.definition) as { States?: Record<string, unknown> };
    if (!definition.States || !(fork.from in definition.States)) {
      const names = Object.keys(definition.States ?? {}).join(', ');
      throw new ForkNotPossible(
        `Cannot fork from ${fork.from}: the state machine's definition has no top-level state of that name now; its states are ${names}`,
      );
    }
    const entry = hasForkEntry(definition);
    const answer = { name, parent: parent.arn, from: fork.from, entry };
    // Asked again (during the first fork's run or after it): the same name and input are that
    // fork, which the answer says, so that no caller reports a start that did not happen.
    const before = this.#existing(machine.arn, name);
    if (before?.input === input) return { ...answer, executionArn: before.arn, existing: true };
    try {
      const started = await this.deps.executions.start({ stateMachineArn: machine.arn, name, input }, {}, entry ? undefined : fork.from);
      return { ...answer, executionArn: started.executionArn };
    } catch (error) {
      // Started by another request between the look and the start.
      const existing = error instanceof AwsError && error.code === 'ExecutionAlreadyExists' ? this.#existing(machine.arn, name) : undefined;
      if (existing?.input === input) return { ...answer, executionArn: existing.arn, existing: true };
      throw error;
    }
  }

  #parent(arn: string): ExecutionRecord {
    if (parseExecutionArn(arn).kind === 'express')
      throw new ForkNotPossible(`Cannot fork ${arn}: an Express execution keeps no history to begin a fork from`);
    const parent = this.deps.store.execution(arn);
    if (!parent) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return parent;
  }

  of(executionArn: string): ExecutionRecord[] {
    return this.deps.store.forks(executionArn);
  }

  #existing(stateMachineArn: string, name: string) {
    return this.deps.store.execution(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`);
  }
}
