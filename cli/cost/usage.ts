import type { CloudAssembly } from '../../inspect/assembly.js';
import type { AppUsage, CostAssumptions } from './assumptions.js';
import { UsageWalk } from './usage-walk.js';

export { type AppUsage, type CostAssumptions, DEFAULT_ASSUMPTIONS } from './assumptions.js';

/**
 * Derives monthly usage from the template's wiring: entry events on the buses, the rules
 * they match, the queues, event source mappings and functions that follow, the state
 * machines those start (each path of the definition weighted), and what those states call.
 */
export function appUsage(assembly: CloudAssembly, a: CostAssumptions): AppUsage {
  const walk = new UsageWalk(assembly, a);
  const entries = walk.queueEntries();
  walk.run();
  return walk.result(entries);
}
