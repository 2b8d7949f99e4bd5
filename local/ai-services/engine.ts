import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { ModelRequest } from '../bedrock/conversation.js';
import { exchangeDigest } from '../bedrock/fixtures.js';
import { jsonValue } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import type { IamPrincipal } from '../iam/types.js';
import { AsyncJobs } from '../store/async-jobs.js';
import type { OutboxHandlerError } from '../store/outbox.js';
import type { LoadedResource } from '../template/load.js';
import type { Clock } from '../time/clock.js';
import { type LeafBackend, replay } from './backends.js';
import type { Input, LeafContext, LeafJobs, LeafNotify, LeafOperation, LeafServiceDeclaration, S3Location } from './declaration.js';
import { shapeExample } from './shape-example.js';

/** What a leaf service reaches of the runtime: S3 (read as a principal, written as it or as the service), SNS, EventBridge, the template. */
export interface LeafDependencies {
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  /** Who makes the request being answered. */
  caller(): IamPrincipal;
  /** The object, read as `principal` (its s3:GetObject checked). */
  readObject(location: S3Location, principal: IamPrincipal): Promise<Buffer>;
  /** Writes the object as `principal` (its s3:PutObject checked), or as the service. */
  writeObject(location: S3Location, body: Buffer, contentType: string, principal?: IamPrincipal): Promise<void>;
  resources(type: string): readonly LoadedResource[];
  readonly notify: LeafNotify;
  /** The service's database, for a service with asynchronous jobs or state of its own (`stateful`). */
  readonly db?: DatabaseSync;
  readonly onError: (error: OutboxHandlerError) => void;
}

/** A job as kept: its kind, the request, and who made it (its work reads and writes S3 as that caller). */
type JobInput = { readonly kind: string; readonly input: Input; readonly principal?: IamPrincipal };

/** An operation as the endpoint and Step Functions call it: the API's input shape in, its output shape out (timestamps as Dates, blobs as Buffers). */
export type LeafOperationCall = (input: never) => Promise<unknown>;

/**
 * One leaf service, served from its declaration and its botocore model: each operation
 * answered by the service's backend (SWITCHYARD_AI_SERVICES): recorded outputs replayed
 * (`fixtures`), a model call (`openai`, `bedrock`) for the operations that are one, else
 * simulated (its declaration's answer, or a schema-valid output of the model drawn from the
 * request's digest). Its asynchronous jobs are an AsyncJobs table of its own database.
 */
export class LeafService {
  readonly operations: Readonly<Record<string, LeafOperationCall>>;
  readonly #jobs?: AsyncJobs<JobInput, unknown>;

  constructor(
    readonly declaration: LeafServiceDeclaration,
    readonly backend: LeafBackend,
    private readonly deps: LeafDependencies,
  ) {
    this.operations = Object.fromEntries(
      Object.entries(declaration.operations).map(([name, operation]) => [
        name,
        (input: never) => this.#call(name, operation, (input ?? {}) as Input),
      ]),
    );
    const kinds = declaration.jobs ?? {};
    if (Object.keys(kinds).length > 0) {
      if (deps.db === undefined) throw new Error(`${declaration.name} runs asynchronous jobs but was given no database`);
      this.#jobs = new AsyncJobs<JobInput, unknown>({
        db: deps.db,
        clock: deps.clock,
        // A table name is SQL as written: Data Automation's hyphens become underscores.
        table: `${declaration.name.replaceAll('-', '_')}_jobs`,
        run: (job) => this.#kind(job.input.kind).run(job.input.input, this.#context(job.input.input, job.input.principal), job.id),
        onSettled: async (job) => {
          const kind = this.#kind(job.input.kind);
          await kind.settled?.({ ...job, input: job.input.input } as never, deps.notify);
        },
        onError: deps.onError,
      });
    }
  }

  start(): void {
    this.#jobs?.start();
  }

  async stop(): Promise<void> {
    await this.#jobs?.stop();
  }

  /** Resolves once no job's work is running and none is due. */
  async idle(): Promise<void> {
    await this.#jobs?.idle();
  }

  /** The operations as AWS's JSON wire answers them: timestamps in epoch seconds, blobs in base64. */
  wireOperations(): Record<string, LeafOperationCall> {
    const model = loadModel(this.declaration.name);
    return Object.fromEntries(
      Object.entries(this.operations).map(([name, call]) => {
        const output = model.operations[name]?.output;
        return [name, async (input: never) => (output === undefined ? await call(input) : jsonValue(model, output, await call(input)))];
      }),
    );
  }

  async #call(name: string, operation: LeafOperation, input: Input): Promise<unknown> {
    const { backend, declaration } = this;
    if (backend.kind === 'fixtures') return replay(backend, declaration.name, name, input);
    if (backend.kind === 'model' && operation.modelCall) {
      const { system, text } = operation.modelCall.prompt(input);
      const request: ModelRequest = {
        modelId: `${declaration.name}.${name}`,
        system: [{ text: system }],
        messages: [{ role: 'user', content: [{ text }] }],
        tools: [],
        stopSequences: [],
      };
      const answer = await backend.model.answer(request, { requested: request.modelId });
      const said = answer.content.map((block) => ('text' in block ? block.text : '')).join('');
      return operation.modelCall.output(said.trim(), input);
    }
    const context = this.#context(input);
    if (operation.simulate) return operation.simulate(input, context);
    const output = loadModel(declaration.name).operations[name]?.output;
    return output === undefined ? {} : context.example(output);
  }

  /** What an answer may use: S3 as `principal` (a job's, recorded when it was submitted), else as the request's caller. */
  #context(input: Input, principal?: IamPrincipal): LeafContext {
    const digest = exchangeDigest(input);
    const { region, accountId, clock } = this.deps;
    const as = () => principal ?? this.deps.caller();
    return {
      service: this.declaration.name,
      region,
      accountId,
      clock,
      digest,
      seed: Number.parseInt(digest.slice(0, 8), 16),
      readObject: (location) => this.deps.readObject(location, as()),
      writeObject: (location, body, contentType, options) =>
        this.deps.writeObject(location, body, contentType, options?.asCaller ? as() : undefined),
      resources: (type) => this.deps.resources(type),
      example: (shape) => shapeExample(loadModel(this.declaration.name), shape, Number.parseInt(digest.slice(0, 8), 16)),
      jobs: this.#leafJobs(),
      db: () => {
        if (this.deps.db === undefined) throw new Error(`${this.declaration.name} is not declared stateful and has no database`);
        return this.deps.db;
      },
    };
  }

  #leafJobs(): LeafJobs {
    const jobs = this.#jobs;
    const none = (): never => {
      throw new Error(`${this.declaration.name} declares no asynchronous jobs`);
    };
    if (jobs === undefined) return { submit: none, get: none, list: none, delete: none };
    const unwrap = <J extends { input: JobInput }>(job: J) => ({ ...job, input: job.input.input });
    return {
      submit: (kind, input, options) => {
        const timing = this.#kind(kind);
        const { job } = jobs.submit(
          {
            id: options.id ?? randomUUID().replaceAll('-', ''),
            kind,
            input: { kind, input, principal: this.deps.caller() },
            ...(options.token ? { token: options.token } : {}),
          },
          { queuedMs: timing.queuedMs, runMs: timing.runMs },
        );
        return unwrap(job);
      },
      get: (kind, id) => {
        const job = jobs.find(id);
        return job === undefined || job.kind !== kind ? undefined : unwrap(job);
      },
      list: (kind) => jobs.list(kind).map(unwrap),
      delete: (id) => jobs.delete(id),
    };
  }

  #kind(kind: string) {
    const found = this.declaration.jobs?.[kind];
    if (found === undefined) throw new Error(`${this.declaration.name} declares no job kind ${kind}`);
    return found;
  }
}
