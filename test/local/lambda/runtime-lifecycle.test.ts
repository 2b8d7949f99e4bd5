import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { checkRuntime } from '../../../local/lambda/control-plane/function-requests.js';
import { CREATABLE_RUNTIMES, endedRuntime } from '../../../local/lambda/runtime/runtime-lifecycle.js';
import { runtimeWarnings } from '../../../local/lambda/runtime/runtimes.js';

const MODEL_RUNTIMES = loadModel('lambda').shapes.Runtime?.enum ?? [];

/** CreateFunction's refusal of the runtime, or undefined where it takes it. */
function refusal(runtime: string): string | undefined {
  try {
    checkRuntime(runtime);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('runtimeWarnings', () => {
  it("names each template function on a runtime Lambda no longer creates, with the runtime's dates and successor", () => {
    const warnings = runtimeWarnings([
      { name: 'old-py', runtime: 'python3.7' },
      { name: 'old-node', runtime: 'nodejs14.x' },
      { name: 'current', runtime: 'nodejs24.x' },
    ]);
    expect(warnings).toContain(
      'function old-py (python3.7): Lambda no longer creates functions on python3.7 (deprecated on 2023-12-04, creation blocked ' +
        'since 2024-01-09; its successor: python3.14), so deploying this template fails where it creates the function, and ' +
        "CreateFunction refuses python3.7 here as in AWS; the template's function runs here anyway",
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^function old-node \(nodejs14\.x\): Lambda no longer creates functions on nodejs14\.x \(deprecated on 2023-12-04,/,
      ),
    );
    expect(warnings.filter((warning) => warning.includes('current'))).toEqual([]);
  });
});

describe("Lambda's runtimes", () => {
  it('are refused by CreateFunction as no longer supported exactly where the start-up report names them ended', () => {
    for (const runtime of MODEL_RUNTIMES) {
      expect([runtime, refusal(runtime)?.includes('is no longer supported for creating or updating') ?? false]).toEqual([
        runtime,
        endedRuntime(runtime) !== undefined,
      ]);
    }
  });

  it("hold every runtime of Lambda's model, but one newer than Lambda's recorded listing, which CreateFunction takes", () => {
    const unlisted = MODEL_RUNTIMES.filter((runtime) => !CREATABLE_RUNTIMES.includes(runtime) && endedRuntime(runtime) === undefined);
    expect(unlisted).toEqual(['ruby4.0']);
    expect(refusal('ruby4.0')).toBeUndefined();
  });

  it("fails if the runtime is none of Lambda's, listing the ones it creates in its order", () => {
    expect(refusal('python9.9')).toBe(
      `Value python9.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${CREATABLE_RUNTIMES.join(', ')}] or be a valid ARN`,
    );
    expect(CREATABLE_RUNTIMES.slice(0, 3)).toEqual(['nodejs20.x', 'python3.14', 'provided.al2023']);
  });
});
