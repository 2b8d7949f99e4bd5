import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { localPython } from '../../../local/lambda/runtime/hosts/python-interpreter.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

/**
 * Writes many lines, the last one just before it returns: the worker's console lines reach the
 * runtime apart from its answer, and were printed after END and REPORT (or after Invoke answered).
 */
const CHATTY = `exports.handler = async (event) => {
  for (let i = 0; i < event.lines; i++) console.log('line ' + i + ' ' + 'x'.repeat(200));
  console.log('last line');
  return 'done';
};`;

/** The same in Python: its stdout and stderr reach the runtime on their own pipes, apart from its answer too. */
const CHATTY_PY = `import sys
def handler(event, context):
    for i in range(event["lines"]):
        print("line " + str(i) + " " + "x" * 200)
    sys.stderr.write("last line\\n")
    return "done"
`;

const python = localPython();

const lines: string[] = [];
const local = restartableRuntime({
  ownsAssembly: true,
  assembly: () =>
    assemblyOf({
      Chatty: inlineFunction(CHATTY, { FunctionName: 'chatty' }),
      ...(python ? { ChattyPy: inlineFunction(CHATTY_PY, { FunctionName: 'chatty-py', Runtime: 'python3.12' }) } : {}),
    }),
  options: { log: (line) => lines.push(line) },
  clients: ({ url }) => ({ lambda: new LambdaClient(sdkConfig(url)) }),
});

describe('the terminal log of an invocation', () => {
  it.each([['Node.js', 'chatty'], ...(python ? [['Python', 'chatty-py']] : [])])(
    "prints a %s function's own lines before its END and REPORT lines, as its log stream keeps them",
    async (_, name) => {
      for (let round = 0; round < 10; round++) {
        lines.length = 0;
        const answer = await local.lambda.send(
          new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ lines: 50 + round * 20 })) }),
        );
        expect(answer.FunctionError).toBeUndefined();
        // Nothing waits here: the line must be printed by the time Invoke answers, before END.
        const last = lines.findIndex((line) => line.includes('last line'));
        const end = lines.findIndex((line) => line.includes('END RequestId'));
        expect(last, `round ${round}: ${JSON.stringify(lines.filter((l) => !l.includes('xxxx')))}`).toBeGreaterThanOrEqual(0);
        expect(last, `round ${round}`).toBeLessThan(end);
      }
    },
  );
});
