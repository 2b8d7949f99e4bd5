import { startEngineThreadEarly } from '../dynamodb/engine-thread.js';

/**
 * Begins what the runtime's start can begin before its options are known and before its modules
 * load: DynamoDB's engine thread (its bootstrap and modules, about 0.1 s of CPU on the other
 * core). `switchyard dev` calls it before it loads the runtime's modules, half a second of the
 * main thread's CPU; the runtime's start takes the thread, configured by its options then.
 */
export function beginEarlyThreads(): void {
  startEngineThreadEarly();
}
