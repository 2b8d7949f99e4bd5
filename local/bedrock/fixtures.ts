import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { validationError } from '../aws-error.js';
import { canonical } from '../canonical-json.js';
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
export const requestDigest = (request: ModelRequest) => digestOf(canonical(request));

/**
 * `fixtures:<file>`: answers from recorded exchanges (JSON lines), matched by model and the
 * request's digest. Recording (`record` true) sends a request no line matches to `source`
 * and appends the exchange to the file; otherwise such a request fails with
 * ValidationException naming its digest and the setting that records it.
 */
export class FixturesBackend implements ModelBackend {
  readonly name: string;
  readonly #answers = new Map<string, ModelAnswer>();

  constructor(
    private readonly file: string,
    private readonly source: ModelBackend | undefined,
    private readonly record: boolean,
  ) {
    this.name = `fixtures:${file}`;
    if (!existsSync(file)) {
      if (!record) throw new FixtureFileError(`fixture file ${file} does not exist (record it with SWITCHYARD_MODELS_RECORD=1)`);
      return;
    }
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        if (text.trim() === '') return;
        const line = parseLine(file, text, index + 1);
        this.#answers.set(`${line.model} ${line.digest}`, line.answer);
      });
  }

  async answer(request: ModelRequest, call?: ModelCall): Promise<ModelAnswer> {
    const digest = requestDigest(request);
    const found = this.#answers.get(`${request.modelId} ${digest}`);
    if (found) return found;
    if (!this.record || !this.source) {
      const source = this.source ? `|${this.source.name}` : '|<backend>';
      throw validationError(
        `No fixture in ${this.file} matches this request to ${request.modelId} (digest ${digest}). Record it with SWITCHYARD_MODELS_RECORD=1 SWITCHYARD_MODELS='fixtures:${this.file}${source}'.`,
      );
    }
    const answer = await this.source.answer(request, call);
    const line: FixtureLine = { model: request.modelId, digest, request, answer };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    this.#answers.set(`${request.modelId} ${digest}`, answer);
    return answer;
  }
}

function parseLine(file: string, text: string, number: number): FixtureLine {
  let line: Partial<FixtureLine>;
  try {
    line = JSON.parse(text) as Partial<FixtureLine>;
  } catch (error) {
    throw new FixtureFileError(`fixture file ${file} line ${number} is not JSON: ${(error as Error).message}`);
  }
  const answer = line.answer as Partial<ModelAnswer> | undefined;
  if (
    typeof line.model !== 'string' ||
    typeof line.digest !== 'string' ||
    !Array.isArray(answer?.content) ||
    typeof answer?.stopReason !== 'string'
  ) {
    throw new FixtureFileError(
      `fixture file ${file} line ${number} is not an exchange: it needs model, digest and answer.content and answer.stopReason`,
    );
  }
  return line as FixtureLine;
}
