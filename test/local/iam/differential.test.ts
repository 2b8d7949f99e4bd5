import { describe, expect, it } from 'vitest';
import { Random } from '../../helpers/random.js';
import { type DifferentialCase, generateCase } from './differential/cases.js';
import { KNOWN_DIFFERENCES, knownDifferencesOf } from './differential/known-differences.js';
import { type Compared, compare } from './differential/run.js';

/** Cases per seed; `IAM_DIFFERENTIAL_RUNS=20000` makes a deep run, `IAM_DIFFERENTIAL_SEED=<n>` replays one seed. */
const RUNS = Number(process.env.IAM_DIFFERENTIAL_RUNS ?? 3000);
const FIXED_SEED = 1;

interface Outcome {
  readonly agreed: number;
  /** Disagreements the known differences account for. */
  readonly explained: number;
  readonly known: ReadonlyMap<string, number>;
  readonly unexplained: readonly Compared[];
  readonly answers: Readonly<Record<string, number>>;
}

async function run(seed: number, runs: number): Promise<Outcome> {
  const random = new Random(seed);
  let agreed = 0;
  let explained = 0;
  const known = new Map<string, number>();
  const unexplained: Compared[] = [];
  const answers: Record<string, number> = {};
  for (let id = 0; id < runs; id++) {
    const c: DifferentialCase = generateCase(random, id);
    const compared = await compare(c);
    answers[compared.ours] = (answers[compared.ours] ?? 0) + 1;
    if (compared.oracle === compared.ours) {
      agreed++;
      continue;
    }
    const differences = compared.oracle === undefined ? undefined : await knownDifferencesOf(c, compared, compare);
    if (!differences) {
      unexplained.push(compared);
      continue;
    }
    explained++;
    for (const { id: name } of differences) known.set(name, (known.get(name) ?? 0) + 1);
  }
  return { agreed, explained, known, unexplained, answers };
}

/** A disagreement as the failure shows it: both answers and the case, to replay by its seed and id. */
function shown(seed: number, compared: Compared): string {
  const answer = compared.oracleError ? `the oracle could not answer: ${compared.oracleError}` : `oracle ${compared.oracle}`;
  return `seed ${seed} case ${compared.case.id}: ours ${compared.ours}, ${answer}\n${JSON.stringify(compared.case, null, 2)}`;
}

describe('IamEvaluator against @cloud-copilot/iam-simulate (the oracle, a devDependency)', () => {
  const replay = process.env.IAM_DIFFERENTIAL_SEED;
  const seeds = replay ? [Number(replay)] : [FIXED_SEED, Math.floor(Math.random() * 2 ** 31)];

  it.each(seeds)('answers every generated request as the oracle does, but where AWS documents otherwise (seed %i)', async (seed) => {
    const outcome = await run(seed, seed === FIXED_SEED || replay ? RUNS : Math.ceil(RUNS / 3));
    const total = outcome.agreed + outcome.explained + outcome.unexplained.length;
    console.log(
      `iam differential, seed ${seed}: ${total} requests (ours: ${JSON.stringify(outcome.answers)}), ${outcome.agreed} agreed, ` +
        `${outcome.explained} differ as AWS documents (known oracle differences: ${JSON.stringify(Object.fromEntries(outcome.known))}), ` +
        `unexplained: ${outcome.unexplained.length}`,
    );
    const failures = outcome.unexplained.slice(0, 5).map((c) => shown(seed, c));
    expect(failures, `replay with IAM_DIFFERENTIAL_SEED=${seed}\n${failures.join('\n\n')}`).toEqual([]);
    // The cases exercise every answer, not one kind.
    for (const answer of ['allowed', 'explicit-deny', 'implicit-deny']) expect(outcome.answers[answer] ?? 0).toBeGreaterThan(total / 20);
  });

  it('names the AWS page behind each known oracle difference', () => {
    for (const difference of KNOWN_DIFFERENCES) expect(difference.doc).toMatch(/(IAM user guide|Organizations user guide), "[^"]+"/);
  });
});
