import { flowNameOfDeployed, resourceNameOfDeployed } from '../../clients/resource-names.js';
import { h } from './dom.js';

/**
 * A flow as the CLI names it (`TicketTriage`), from its state machine's deployed name, which
 * stays at hand for an operator who needs it (a call, a log search): the tooltip, and
 * `data-name` for a copy.
 */
export function flowLabel(deployedName: string): HTMLElement {
  return label(flowNameOfDeployed(deployedName), deployedName);
}

/** A durable function (or any resource) as the CLI names it, its deployed name in the tooltip. */
export function resourceLabel(deployedName: string): HTMLElement {
  return label(resourceNameOfDeployed(deployedName), deployedName);
}

function label(name: string, deployedName: string): HTMLElement {
  return h('span', { class: 'app-name', title: deployedName, 'data-name': deployedName }, name);
}
