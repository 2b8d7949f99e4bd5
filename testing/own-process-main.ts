/**
 * The entry of a test runtime in a process of its own (`startApp(app, { ownProcess: true })`,
 * testing/own-process.ts starts it): the local runtime on the settings in its first argument,
 * its lines on stdout, and once it listens, what the test process needs of it over IPC. A
 * SIGTERM stops it cleanly; a SIGKILL (`TestApp.crash()`) stops it wherever it is. It stops
 * too when the test process goes away, so a killed test leaves no runtime behind.
 */
import { LocalRuntime } from '../local/runtime.js';
import type { OwnProcessReady, OwnProcessSettings } from './own-process.js';

const settings = JSON.parse(process.argv[2] ?? '') as OwnProcessSettings;
const runtime = await LocalRuntime.start({
  cdkOut: settings.cdkOut,
  dataDir: settings.dataDir,
  // startApp's temporary folder, removed when the test app stops (a SIGKILL, crash(), loses nothing acknowledged all the same).
  dataFolderKind: 'disposable',
  port: settings.port,
  iam: settings.iam,
  ...(settings.parameters ? { parameters: settings.parameters } : {}),
  ...(settings.sesSandbox === undefined ? {} : { sesSandbox: settings.sesSandbox }),
  log: (line) => process.stdout.write(`${line}\n`),
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void runtime.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);

const { tables, functions, stateMachines, buses, rules, queues } = runtime.definitions;
const ready: OwnProcessReady = {
  url: runtime.url,
  httpApiUrls: runtime.httpApiUrls,
  definitions: { tables, functions, stateMachines, buses, rules, queues },
};
process.send?.(ready);
