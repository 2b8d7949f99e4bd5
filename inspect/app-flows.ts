import { paginateListStateMachines } from '@aws-sdk/client-sfn';
import { defaultCdkOut, hasAssembly, readAssembly } from './assembly.js';
import { type Clients, pages } from './aws.js';
import { type Flow, flowDefinitions, resolveFlows } from './flows.js';

/**
 * The app's flows in the target: the assembly's state machines, found there by name. With
 * no assembly, every state machine the target has (as ListStateMachines types it).
 */
export async function appFlows(clients: Clients, cdkOutOption: string | undefined, note: (line: string) => void): Promise<Flow[]> {
  const cdkOut = defaultCdkOut(cdkOutOption);
  if (hasAssembly(cdkOut)) {
    const { found, missing } = await resolveFlows(clients, flowDefinitions(readAssembly(cdkOut)));
    for (const m of missing) note(`(flow ${m.flow} of stack ${m.stackName} is not deployed in the target)`);
    return found;
  }
  note(`(no cloud assembly at ${cdkOut}: showing every state machine in the target)`);
  const flows: Flow[] = [];
  for await (const page of pages(clients.target, paginateListStateMachines({ client: clients.sfn }, {}))) {
    for (const m of page.stateMachines ?? []) {
      if (!m.name || !m.stateMachineArn) continue;
      // Without the template, logging is unknown: assume the log group exists.
      const type = m.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
      flows.push({ flow: m.name, name: m.name, arn: m.stateMachineArn, logicalId: m.name, stackName: '', type, logs: true });
    }
  }
  return flows;
}
