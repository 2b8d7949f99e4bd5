import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { validationError } from '../endpoint/aws-error.js';
import { canonical } from '../json/canonical-json.js';
import type { ModelAnswer, ModelRequest } from './conversation.js';
import { digestOf } from './digest.js';
import type { ModelBackend, ModelCall } from './simulated.js';

/** One line of a fixture file: a recorded exchange. */
export interface FixtureLine {
  readonly model: string;
  readonly digest: string;
  readonly request: ModelRequest;
  readonly answer: ModelAnswer;
}

/** Thrown at start-up for a fixture file that cannot be read: names the file and line. */
export class FixtureFileError extends Error {
  override readonly name = 'FixtureFileError';
}

/** A request's digest: SHA-256 of its canonical JSON (model, system, messages, tools, tool choice, inference settings). */
export const requestDigest = (request: ModelRequest) => exchangeDigest(request);

/** The digest fixture files key an exchange's request by: SHA-256 of its canonical JSON (the leaf services' requests too). */
export const exchangeDigest = (request: unknown) => digestOf(canonical(request));

/**
 * A fixture file: recorded exchanges as JSON lines (`{model, digest, request, answer}`), by
 * model and the request's digest. Bedrock's backend keeps model answers in it, the leaf
 * services (local/ai-services/) their operations' outputs, `model` then naming the
 * operation (`textract:DetectDocumentText`).
 */
export class ExchangeFile<Request, Answer> {
  readonly #answers = new Map<string, Answer>();

  constructor(
    readonly file: string,
    /** Whether a missing file is fine (it is recorded into). */
    recording: boolean,
    /** What a line's answer needs, for the message of a line without it; undefined when it has it. */
    answerProblem: (answer: unknown) => string | undefined,
  ) {
    if (!existsSync(file)) {
      if (!recording) throw new FixtureFileError(`fixture file ${file} does not exist (record it with SWITCHYARD_MODELS_RECORD=1)`);
      return;
    }
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        if (text.trim() === '') return;
        const line = parseLine(file, text, index + 1, answerProblem);
        this.#answers.set(`${line.model} ${line.digest}`, line.answer as Answer);
      });
  }

  find(model: string, digest: string): Answer | undefined {
    return this.#answers.get(`${model} ${digest}`);
  }

  /** Appends an exchange to the file, and answers it from now on. */
  add(model: string, digest: string, request: Request, answer: Answer): void {
    appendFileSync(this.file, `${JSON.stringify({ model, digest, request, answer })}\n`);
    this.#answers.set(`${model} ${digest}`, answer);
  }
}

/**
 * `fixtures:<file>`: answers from recorded exchanges (JSON lines), matched by model and the
 * request's digest. Recording (`record` true) sends a request no line matches to `source`
 * and appends the exchange to the file; otherwise such a request fails with
 * ValidationException naming its digest and the setting that records it.
 */
export class FixturesBackend implements ModelBackend {
  readonly name: string;
  readonly #exchanges: ExchangeFile<ModelRequest, ModelAnswer>;

  constructor(
    private readonly file: string,
    private readonly source: ModelBackend | undefined,
    private readonly record: boolean,
  ) {
    this.name = `fixtures:${file}`;
    this.#exchanges = new ExchangeFile(file, record, (answer) => {
      const a = answer as Partial<ModelAnswer> | undefined;
      return Array.isArray(a?.content) && typeof a?.stopReason === 'string' ? undefined : 'answer.content and answer.stopReason';
    });
  }

  async answer(request: ModelRequest, call?: ModelCall): Promise<ModelAnswer> {
    const digest = requestDigest(request);
    const found = this.#exchanges.find(request.modelId, digest);
    if (found) return found;
    if (!this.record || !this.source) {
      const source = this.source ? `|${this.source.name}` : '|<backend>';
      throw validationError(
        `No fixture in ${this.file} matches this request to ${request.modelId} (digest ${digest}). Record it with SWITCHYARD_MODELS_RECORD=1 SWITCHYARD_MODELS='fixtures:${this.file}${source}'.`,
      );
    }
    const answer = await this.source.answer(request, call);
    this.#exchanges.add(request.modelId, digest, request, answer);
    return answer;
  }
}

function parseLine(file: string, text: string, number: number, answerProblem: (answer: unknown) => string | undefined): FixtureLine {
  let line: Partial<FixtureLine>;
  try {
    line = JSON.parse(text) as Partial<FixtureLine>;
  } catch (error) {
    throw new FixtureFileError(`fixture file ${file} line ${number} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof line.model !== 'string' || typeof line.digest !== 'string' || answerProblem(line.answer) !== undefined) {
    throw new FixtureFileError(
      `fixture file ${file} line ${number} is not an exchange: it needs model, digest and ${answerProblem({}) ?? 'answer'}`,
    );
  }
  return line as FixtureLine;
}
