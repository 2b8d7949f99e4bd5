// Stands in for the Node.js runtime under an AWS_LAMBDA_EXEC_WRAPPER script (exec-wrapper.ts):
// the wrapper `exec`s it as it would the runtime, and it reports what the wrapper handed it,
// its environment and the options given to `node`, on file descriptor 3, for the worker thread
// the function then runs in. Plain JavaScript: node runs it directly.
import { writeSync } from 'node:fs';

writeSync(3, JSON.stringify({ env: process.env, execArgv: process.execArgv }));
