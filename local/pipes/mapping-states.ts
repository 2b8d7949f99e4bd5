import type { DatabaseSync } from 'node:sqlite';
import type { MappingState } from '../lambda/event-source-mappings/sqs-mappings.js';
import { TemplateChanges } from '../store/template-changes.js';
import type { Clock } from '../time/clock.js';
import type { PipeDefinition } from './definitions.js';

/** A Lambda event source mapping of a stream as Lambda's API reports it. */
export interface StreamMapping {
  readonly definition: PipeDefinition;
  readonly state: MappingState;
  /** When it was last changed (created, deployed again, updated) or its state last changed, epoch milliseconds. */
  readonly lastModified: number;
  /** Lambda's words for how its last batch ended. */
  readonly lastProcessingResult: string;
}

/** The settings of a stream mapping UpdateEventSourceMapping changes; the rest is the template's alone. */
const UPDATABLE_SETTINGS = [
  'running',
  'batchSize',
  'maximumBatchingWindowSeconds',
  'maximumRetryAttempts',
  'maximumRecordAgeSeconds',
  'bisectOnFailure',
  'deadLetterArn',
  'mapping',
] as const satisfies readonly (keyof PipeDefinition)[];

/**
 * The states of Lambda's stream mappings (run as pipes): what UpdateEventSourceMapping changed
 * of each, kept in the pipes database (`pipes_event_source_mappings`) so that a pause outlives a
 * restart as SQS mappings' do (template-changes.ts), each one's state as Lambda reports it, and
 * how its last batch ended. Pipes themselves have no API here: only mappings are kept.
 */
export class StreamMappingStates {
  readonly #store: TemplateChanges<PipeDefinition>;
  readonly #template = new Map<string, PipeDefinition>();
  readonly #status = new Map<string, { state: MappingState; lastModified: number }>();
  readonly #results = new Map<string, string>();
  /** Per mapping, the number of its last update: only the last one's readers set the state it rests in. */
  readonly #updates = new Map<string, number>();

  constructor(
    db: DatabaseSync,
    private readonly clock: Clock,
  ) {
    this.#store = new TemplateChanges(db, 'pipes_event_source_mappings', (pipe) =>
      Object.fromEntries(UPDATABLE_SETTINGS.map((setting) => [setting, pipe[setting]])),
    );
  }

  /** The template's pipes as they run: each mapping with its kept changes, resting in its state. */
  reconcile(pipes: readonly PipeDefinition[]): PipeDefinition[] {
    const now = this.clock.now();
    this.#store.keepOnly(new Set(pipes.filter((pipe) => pipe.mapping).map((pipe) => pipe.arn)));
    return pipes.map((pipe) => {
      if (!pipe.mapping) return pipe;
      this.#template.set(pipe.arn, pipe);
      const { definition, changedAt } = this.#store.reconcile(pipe.arn, pipe, now);
      this.#status.set(pipe.arn, { state: restingState(definition), lastModified: changedAt });
      return definition;
    });
  }

  /**
   * A mapping CreateEventSourceMapping made (Lambda keeps it): `Creating` until its readers
   * start (`settled`), or resting in its state already when it is one made before a restart.
   */
  add(pipe: PipeDefinition, creating: boolean, lastModified: number): number {
    this.#status.set(pipe.arn, { state: creating ? 'Creating' : restingState(pipe), lastModified });
    const update = (this.#updates.get(pipe.arn) ?? 0) + 1;
    this.#updates.set(pipe.arn, update);
    return update;
  }

  /** DeleteEventSourceMapping: `Deleting` until its readers have stopped (then `forget`). */
  deleting(pipe: PipeDefinition): void {
    const status = this.#status.get(pipe.arn);
    this.#status.set(pipe.arn, { state: 'Deleting', lastModified: status?.lastModified ?? this.clock.now() });
    this.#updates.set(pipe.arn, (this.#updates.get(pipe.arn) ?? 0) + 1);
  }

  forget(pipe: PipeDefinition): void {
    this.#status.delete(pipe.arn);
    this.#results.delete(pipe.arn);
    this.#updates.delete(pipe.arn);
  }

  /**
   * Keeps `next` as the mapping's settings (a template's; Lambda keeps those of the mappings
   * its API made); the update's number when it changed anything (its readers then follow it).
   */
  update(before: PipeDefinition, next: PipeDefinition): number | undefined {
    const now = this.clock.now();
    const template = this.#template.get(next.arn);
    if (template !== undefined) this.#store.save(next.arn, template, next, now);
    const changed = JSON.stringify(before) !== JSON.stringify(next);
    if (!changed) return undefined;
    const state: MappingState = before.running === next.running ? 'Updating' : next.running ? 'Enabling' : 'Disabling';
    this.#status.set(next.arn, { state, lastModified: now });
    const update = (this.#updates.get(next.arn) ?? 0) + 1;
    this.#updates.set(next.arn, update);
    return update;
  }

  /** The mapping's readers have followed update `update`: it rests in its state, unless a later update is under way. */
  settled(pipe: PipeDefinition, update: number): void {
    if (this.#updates.get(pipe.arn) !== update) return;
    this.#status.set(pipe.arn, { state: restingState(pipe), lastModified: this.clock.now() });
  }

  processed(pipe: PipeDefinition, result: string): void {
    if (pipe.mapping) this.#results.set(pipe.arn, result);
  }

  of(pipe: PipeDefinition): StreamMapping {
    const status = this.#status.get(pipe.arn) ?? { state: restingState(pipe), lastModified: 0 };
    return { definition: pipe, ...status, lastProcessingResult: this.#results.get(pipe.arn) ?? 'No records processed' };
  }
}

function restingState(pipe: PipeDefinition): MappingState {
  return pipe.running ? 'Enabled' : 'Disabled';
}
