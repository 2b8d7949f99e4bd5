import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { operationTable } from '../service-registry/operation-table.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import { type Clock, systemClock } from '../time/clock.js';
import { Activities } from './activities.js';
import { type RoutingItem, StateMachineAliases } from './aliases.js';
import type { SdkIntegrations } from './aws-sdk-integrations.js';
import type { StatesCatalogTemplate } from './catalog-definitions.js';
import { DefinitionCompiler } from './definition-compiler.js';
import type { HistoryEvent, MapRunReport, Sleep } from './engine/index.js';
import { ExecutionApi, type GetExecutionHistoryInput, type ListExecutionsInput, type StartExecutionInput } from './execution-api.js';
import { ExecutionLogging, type LogsForStates } from './execution-logging.js';
import { type ExecutionRecord, ExecutionStore, type StateMachineRecord } from './execution-store.js';
import { ExpressExecutions } from './express-executions.js';
import { type ForkAnswer, type ForkRequest, Forks } from './forks.js';
import { statesIam } from './iam-authorizations.js';
import { statesStepFunctions } from './integrations/states.js';
import { LiveExecutions } from './live-executions.js';
import { MapRuns } from './map-runs.js';
import { type StatesTag, StatesTags } from './resource-tags.js';
import { StandardExecutions } from './standard-executions.js';
import {
  type CreateStateMachineInput,
  StateMachineRegistry,
  type UpdateStateMachineInput,
  type ValidateStateMachineDefinitionInput,
} from './state-machine-registry.js';
import { StatusChangeEvents, type StatusEventPublisher } from './status-change-events.js';
import { TaskCallbacks } from './task-callbacks.js';
import { TaskCallbacksApi } from './task-callbacks-api.js';
import { type DeclaredIntegrations, TaskIntegrations } from './task-integrations.js';
import { mapIoWarnings, unsupportedResourceWarnings } from './task-resources.js';
import { type ExecutionOutcome, LocalTaskRunner, type TaskRunnerOptions } from './task-runner.js';
import { type TestStateInput, testState } from './test-state.js';
import { StateMachineVersions } from './versions.js';

export { engineView } from './history-views.js';

import type { StateMachineTemplate } from './definitions.js';

export type { StatusEventPublisher } from './status-change-events.js';
export type { StateMachineTemplate };

export interface StatesServiceOptions {
  /** Where state machines, STANDARD executions, their histories and task tokens persist. */
  readonly db: DatabaseSync;
  readonly accountId: string;
  readonly region: string;
  readonly clock?: Clock;
  /** The template's state machines, (re)registered at every start as a deployment would. */
  readonly stateMachines?: readonly StateMachineTemplate[];
  /** The template's activities, state machine versions and aliases, registered after the machines. */
  readonly catalog?: Omit<StatesCatalogTemplate, 'warnings'>;
  /**
   * The Step Functions integrations the other modules declare (each module's `stepFunctions`,
   * with its name and IAM declaration): what a Task resource may name. Step Functions' own
   * are always there. @default none
   */
  readonly integrations?: readonly DeclaredIntegrations[];
  /**
   * The services tasks call, by module name, as their modules' `connect` makes them (a test
   * gives fakes): a declared service not given fails the tasks that name it. Their AWS SDK
   * integrations are listed in this order, after Step Functions' own. @default none
   */
  readonly services?: Readonly<Record<string, object>>;
  /** IAM for the executions' roles, before each task's request (TaskRunnerOptions.authorize). @default none */
  readonly authorizeTask?: TaskRunnerOptions['authorize'];
  /** STANDARD executions' status changes go to its default bus. */
  readonly statusEvents?: StatusEventPublisher;
  /** CloudWatch Logs, where executions of machines with a `loggingConfiguration` log their history. */
  readonly logs?: LogsForStates;
  /** Wait states and retry intervals; tests pass one that returns at once. */
  readonly sleep?: Sleep;
  /** Task and execution timeouts and heartbeats. */
  readonly timer?: Sleep;
  readonly log?: (line: string) => void;
  /** Called with every history event recorded, STANDARD and EXPRESS alike (the read API's live feed). */
  readonly onHistoryEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
}

/**
 * Step Functions on the local endpoint (`AWSStepFunctions`, JSON 1.0): the API around
 * the ASL engine, with STANDARD executions durable in SQLite (every history event is
 * committed as it is emitted, and `start()` resumes what was running before a restart)
 * and EXPRESS executions in memory, as AWS documents them (at least once, not durable).
 *
 * The operations are methods of this class because the endpoint and the `aws-sdk:sfn`
 * integration serve its PascalCase methods; each hands its request to the module that
 * holds it and returns that module's promise as it is.
 */
export class StatesService {
  readonly #clock: Clock;
  readonly #timer: Sleep | undefined;
  readonly #runner: LocalTaskRunner;
  readonly #integrations: TaskIntegrations;
  readonly #compiler: DefinitionCompiler;
  readonly #live: LiveExecutions;
  readonly #standard: StandardExecutions;
  readonly #machines: StateMachineRegistry;
  readonly #versions: StateMachineVersions;
  readonly #aliases: StateMachineAliases;
  readonly #activities: Activities;
  readonly #tags: StatesTags;
  readonly #mapRuns: MapRuns;
  readonly #executions: ExecutionApi;
  readonly #taskCallbacks: TaskCallbacksApi;
  readonly #express: ExpressExecutions;
  readonly #forks: Forks;
  /** Every Task resource of the declared state machines that this runtime cannot run, by state machine and state. */
  readonly warnings: readonly string[];

  constructor(private readonly options: StatesServiceOptions) {
    const { log } = options;
    const clock = options.clock ?? systemClock;
    // A clock that schedules (a test's AdvanceableClock) times the waits and deadlines too, so moving it fires them.
    const onClock: Sleep | undefined = clock.sleep?.bind(clock);
    const sleep = options.sleep ?? onClock;
    const timer = options.timer ?? onClock;
    this.#timer = timer;
    const store = new ExecutionStore(options.db);
    const callbacks = new TaskCallbacks(store, clock);
    const { db, region, accountId } = options;
    const { versions, aliases } = versionsAndAliases(db, clock, (arn) => machines.find(arn));
    const tags: StatesTags = new StatesTags(db, (arn) =>
      arn.includes(':activity:') ? activities.exists(arn) : machines.find(arn) !== undefined,
    );
    const activities = new Activities({ db, callbacks, clock, region, accountId, tags });
    const status = new StatusChangeEvents({ publisher: options.statusEvents, clock, closed: (): boolean => live.closed, log });
    const live = new LiveExecutions({ callbacks, status, log });
    const integrations = this.#taskIntegrations(options, log);
    const runner = new LocalTaskRunner({
      integrations,
      ...(options.authorizeTask ? { authorize: options.authorizeTask } : {}),
      callbacks,
      activities,
      clock,
      timer,
      durable: (arn) => !arn.includes(':express:'),
      log,
    });
    const compiler = new DefinitionCompiler((resource) => integrations.resourceError(resource));
    const logging = new ExecutionLogging(options.logs);
    const machines: StateMachineRegistry = new StateMachineRegistry({
      store,
      compiler,
      clock,
      region,
      accountId,
      versions,
      aliases,
      tags,
      logging,
      log,
    });
    for (const declared of options.stateMachines ?? []) machines.registerDeclared(declared);
    const logSink = (record: ExecutionRecord) => this.#historySink(logging, machines, record);
    const mapRuns = new MapRuns(db, (arn) => this.#executions.find(arn));
    const onMapRun = (run: MapRunReport) => mapRuns.record(run);
    const standard = new StandardExecutions({ store, compiler, live, status, runner, clock, sleep, timer, log, logSink, onMapRun });
    const express = new ExpressExecutions({ live, runner, clock, sleep, timer, logSink });
    this.#clock = clock;
    this.#runner = runner;
    this.#integrations = integrations;
    this.#compiler = compiler;
    this.#live = live;
    this.#standard = standard;
    this.#machines = machines;
    this.#versions = versions;
    this.#aliases = aliases;
    this.#activities = activities;
    this.#tags = tags;
    this.#mapRuns = mapRuns;
    if (options.catalog) this.declareCatalog(options.catalog);
    this.#executions = new ExecutionApi({ store, machines, versions, live, standard, express, status, clock });
    this.#taskCallbacks = new TaskCallbacksApi(callbacks);
    this.#express = express;
    this.#forks = new Forks({ store, machines, executions: this.#executions });
    this.warnings = [
      ...unsupportedResourceWarnings(
        options.stateMachines ?? [],
        (resource) => integrations.resourceError(resource) ?? runner.unsupported(resource),
      ),
      ...mapIoWarnings(options.stateMachines ?? []),
    ];
  }

  /** Where an execution's history events go besides its store: its machine's log group, and the runtime's observer. */
  #historySink(logging: ExecutionLogging, machines: StateMachineRegistry, record: ExecutionRecord) {
    const sink = logging.sinkFor(machines.find(record.stateMachineArn)?.loggingConfiguration, record);
    const observe = this.options.onHistoryEvent;
    if (!observe) return sink;
    return (event: HistoryEvent) => {
      observe(record, event);
      return sink?.(event);
    };
  }

  /**
   * The declared integrations with the services given, and Step Functions' own over this
   * service: its optimized integrations listed after the others', its AWS SDK ones first.
   */
  #taskIntegrations(options: StatesServiceOptions, log: ((line: string) => void) | undefined): TaskIntegrations {
    const own: DeclaredIntegrations = { name: 'states', iam: statesIam, stepFunctions: statesStepFunctions };
    return new TaskIntegrations([...(options.integrations ?? []), own], { [own.name]: this, ...options.services }, log);
  }

  /**
   * The AWS SDK integrations over the running services (`aws-sdk:<service>:<action>`): what
   * aws-sdk tasks call, and what EventBridge's universal targets call through the same table
   * (local/eventbridgev2/delivery/targets.ts), so that both reach a service one way.
   */
  get sdkIntegrations(): SdkIntegrations {
    return this.#integrations.sdk;
  }

  /** The IAM prefix `aws-sdk:<service>`'s actions are authorized under (`states` for `sfn`), for callers that authorize such a call as a role (Scheduler's universal targets). */
  sdkIamPrefix(service: string): string {
    return this.#integrations.sdkIam(service).service;
  }

  /** The JSON-protocol operations the endpoint serves as `AWSStepFunctions.<name>`. */
  get operations(): Record<string, (input: never, options?: IdempotentCall) => Promise<unknown>> {
    // The endpoint passes the input only; aws-sdk:sfn tasks pass their key too (StartExecution).
    return operationTable(this, StatesService, (method) => (input: never, options?: IdempotentCall) => method(input ?? {}, options));
  }

  /** Resumes every STANDARD execution that was running when the process stopped. */
  start(): Promise<void> {
    return this.#standard.resumeRunning();
  }

  /**
   * Compiles each state machine's definition ahead of its first execution (the compiler keeps
   * them by their text: after a reload only what changed compiles). The first compile loads the
   * ASL schema check (asl-validator and its ajv), a fifth of a second a first execution, and
   * every request behind it on this thread, would otherwise wait for.
   */
  async warm(idle: () => Promise<void>): Promise<void> {
    for (const machine of this.#machines.records()) {
      // One at a time, once the app's own work has ended.
      await idle();
      try {
        this.#compiler.compile(machine.definition, machine.type);
      } catch (error) {
        // A definition that does not compile: its executions say so, as they would without this.
        if (!(error instanceof AwsError && error.code === 'InvalidDefinition')) throw error;
      }
    }
  }

  /**
   * Stops every execution without recording anything: what a restart finds is what a
   * SIGKILL would have left, so STANDARD executions resume where their history ends.
   */
  close(): Promise<void> {
    this.#activities.close();
    return this.#live.close();
  }

  /**
   * Registers a reloaded template's state machines (`switchyard dev`), as a deployment
   * updates them: new executions run the new definition, running ones keep the definition
   * they started with (each execution stores its own). Returns the names of the machines
   * added and changed; machines the template no longer has stay until the next start.
   */
  declareStateMachines(declared: readonly StateMachineTemplate[]): { added: string[]; changed: string[] } {
    const added: string[] = [];
    const changed: string[] = [];
    for (const machine of declared) {
      const existing = this.#machines.find(machine.arn);
      if (existing === undefined) added.push(machine.name);
      else if (
        existing.definition !== machine.definition ||
        existing.type !== (machine.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD') ||
        existing.roleArn !== (machine.roleArn ?? '')
      )
        changed.push(machine.name);
      else continue;
      this.#machines.registerDeclared(machine);
    }
    return { added, changed };
  }

  /**
   * Registers the template's activities, versions and aliases (at start, and again after a
   * reload has declared its machines): a template version is its machine's version 1, over
   * the machine's definition as declared.
   */
  declareCatalog(catalog: Omit<StatesCatalogTemplate, 'warnings'>): void {
    this.#activities.declare(catalog.activities);
    for (const version of catalog.versions) {
      const machine = this.#machines.find(version.stateMachineArn);
      if (machine) this.#versions.declare(machine, version.description);
    }
    this.#aliases.declare(catalog.aliases);
  }

  // ---- state machines (state-machine-registry.ts), versions (versions.ts) and aliases (aliases.ts) ----

  CreateStateMachine(input: CreateStateMachineInput) {
    return this.#machines.CreateStateMachine(input);
  }

  DescribeStateMachine(input: { stateMachineArn?: string; includedData?: string }) {
    return this.#machines.DescribeStateMachine(input);
  }

  DescribeStateMachineForExecution(input: { executionArn?: string }) {
    return this.#executions.DescribeStateMachineForExecution(input);
  }

  ListStateMachines(input: { maxResults?: number; nextToken?: string }) {
    return this.#machines.ListStateMachines(input);
  }

  UpdateStateMachine(input: UpdateStateMachineInput) {
    return this.#machines.UpdateStateMachine(input);
  }

  DeleteStateMachine(input: { stateMachineArn?: string }) {
    return this.#machines.DeleteStateMachine(input);
  }

  ValidateStateMachineDefinition(input: ValidateStateMachineDefinitionInput) {
    return this.#machines.ValidateStateMachineDefinition(input);
  }

  PublishStateMachineVersion(input: { stateMachineArn?: string; revisionId?: string; description?: string }) {
    return this.#versions.PublishStateMachineVersion(input);
  }

  ListStateMachineVersions(input: { stateMachineArn?: string; maxResults?: number; nextToken?: string }) {
    return this.#versions.ListStateMachineVersions(input);
  }

  DeleteStateMachineVersion(input: { stateMachineVersionArn?: string }) {
    return this.#versions.DeleteStateMachineVersion(input);
  }

  CreateStateMachineAlias(input: { name?: string; description?: string; routingConfiguration?: RoutingItem[] }) {
    return this.#aliases.CreateStateMachineAlias(input);
  }

  DescribeStateMachineAlias(input: { stateMachineAliasArn?: string }) {
    return this.#aliases.DescribeStateMachineAlias(input);
  }

  UpdateStateMachineAlias(input: { stateMachineAliasArn?: string; description?: string; routingConfiguration?: RoutingItem[] }) {
    return this.#aliases.UpdateStateMachineAlias(input);
  }

  DeleteStateMachineAlias(input: { stateMachineAliasArn?: string }) {
    return this.#aliases.DeleteStateMachineAlias(input);
  }

  ListStateMachineAliases(input: { stateMachineArn?: string; maxResults?: number; nextToken?: string }) {
    return this.#aliases.ListStateMachineAliases(input);
  }

  // ---- tags of state machines and activities (resource-tags.ts) ----

  TagResource(input: { resourceArn?: string; tags?: Partial<StatesTag>[] }) {
    return this.#tags.TagResource(input);
  }

  UntagResource(input: { resourceArn?: string; tagKeys?: string[] }) {
    return this.#tags.UntagResource(input);
  }

  ListTagsForResource(input: { resourceArn?: string }) {
    return this.#tags.ListTagsForResource(input);
  }

  // ---- activities (activities.ts) ----

  CreateActivity(input: { name?: string; tags?: Partial<StatesTag>[]; encryptionConfiguration?: unknown }) {
    return this.#activities.CreateActivity(input);
  }

  DescribeActivity(input: { activityArn?: string }) {
    return this.#activities.DescribeActivity(input);
  }

  ListActivities(input: { maxResults?: number; nextToken?: string }) {
    return this.#activities.ListActivities(input);
  }

  DeleteActivity(input: { activityArn?: string }) {
    return this.#activities.DeleteActivity(input);
  }

  /** A worker's long poll (up to 60 s of the service's clock); `options` carries an aws-sdk:sfn task's signal. */
  GetActivityTask(input: { activityArn?: string; workerName?: string }, options?: { signal?: AbortSignal }) {
    return this.#activities.GetActivityTask(input, options);
  }

  // ---- executions (execution-api.ts) ----

  /** `options` carries a task's key when a task of another execution starts this one (ExecutionApi.StartExecution). */
  StartExecution(input: StartExecutionInput, options?: IdempotentCall) {
    return this.#executions.StartExecution(input, options);
  }

  StartSyncExecution(input: StartExecutionInput) {
    return this.#executions.StartSyncExecution(input);
  }

  StopExecution(input: { executionArn?: string; error?: string; cause?: string }) {
    return this.#executions.StopExecution(input);
  }

  DescribeExecution(input: { executionArn?: string; includedData?: string }) {
    return this.#executions.DescribeExecution(input);
  }

  ListExecutions(input: ListExecutionsInput) {
    return this.#executions.ListExecutions(input);
  }

  GetExecutionHistory(input: GetExecutionHistoryInput) {
    return this.#executions.GetExecutionHistory(input);
  }

  RedriveExecution(input: { executionArn?: string; clientToken?: string }) {
    return this.#executions.RedriveExecution(input);
  }

  // ---- Map Runs (map-runs.ts) ----

  ListMapRuns(input: { executionArn?: string; maxResults?: number; nextToken?: string }) {
    return this.#mapRuns.ListMapRuns(input);
  }

  DescribeMapRun(input: { mapRunArn?: string }) {
    return this.#mapRuns.DescribeMapRun(input);
  }

  // ---- task tokens (task-callbacks-api.ts) ----

  SendTaskSuccess(input: { taskToken?: string; output?: string }) {
    return this.#taskCallbacks.SendTaskSuccess(input);
  }

  SendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }) {
    return this.#taskCallbacks.SendTaskFailure(input);
  }

  SendTaskHeartbeat(input: { taskToken?: string }) {
    return this.#taskCallbacks.SendTaskHeartbeat(input);
  }

  /** Runs one state, as AWS's TestState: Pass, Choice, Wait, Succeed, Fail and Task states (tasks call the local services). */
  async TestState(input: TestStateInput) {
    return testState(input, {
      runner: this.#runner,
      outputModel: (service, sdk) => this.#integrations.outputModel(service, sdk),
      clock: this.#clock,
      timer: this.#timer,
      region: this.options.region,
      accountId: this.options.accountId,
      compile: (definition) => this.#compiler.compileObject(definition, 'STANDARD'),
    });
  }

  /**
   * Starts a fork of a STANDARD execution at one of its top-level states (forks.ts): the read
   * API's and the CLI's, as Step Functions has no such operation.
   */
  fork(request: ForkRequest): Promise<ForkAnswer> {
    return this.#forks.fork(request);
  }

  /** The forks of an execution, oldest first. */
  forksOf(executionArn: string): ExecutionRecord[] {
    return this.#forks.of(executionArn);
  }

  /** The EXPRESS executions this runtime ran and still keeps a summary of, oldest first (the read API). */
  expressExecutions(): ExecutionRecord[] {
    return this.#express.list();
  }

  // ---- for tasks that start executions ----

  /** Resolves once the execution has ended (at once if it has); rejects when `signal` aborts. */
  executionOutcome(executionArn: string, signal: AbortSignal): Promise<ExecutionOutcome> {
    return this.#executions.executionOutcome(executionArn, signal);
  }
}

/** A machine's versions and aliases, each finding the other, and the machines through `machine`. */
function versionsAndAliases(db: DatabaseSync, clock: Clock, machine: (arn: string) => StateMachineRecord | undefined) {
  const versions: StateMachineVersions = new StateMachineVersions({ db, clock, machine, aliasesOf: (arn) => aliases.referencing(arn) });
  const aliases: StateMachineAliases = new StateMachineAliases({ db, clock, machine, version: (arn) => versions.get(arn) });
  return { versions, aliases };
}
