import './styles.css';
import { onSignatureProblem } from './aws.js';
import { currentCredentials, DEFAULT_CREDENTIALS, forgetCredentials, saveCredentials } from './credentials.js';
import { h, replace } from './dom.js';
import { type FeedStatus, onFeedStatus, subscribe } from './feed.js';
import { durableExecutionPage } from './pages/durable-execution.js';
import { escalationsPage } from './pages/escalations.js';
import { eventsPage, lineagePage } from './pages/events.js';
import { executionPage } from './pages/execution.js';
import { executionLookupPage } from './pages/execution-lookup.js';
import { executionsPage } from './pages/executions.js';
import { failuresPage } from './pages/failures.js';
import { flowControlPage } from './pages/flow-control.js';
import { flowsPage } from './pages/flows.js';
import { mailMessagePage, mailPage } from './pages/mail.js';
import { modelsPage } from './pages/models.js';
import { tracePage } from './pages/trace.js';

const NAV = [
  ['#/executions', 'Executions'],
  ['#/escalations', 'Escalations'],
  ['#/failures', 'Failures and queues'],
  ['#/flows', 'Flows'],
  ['#/flow-control', 'Flow control'],
  ['#/models', 'Models'],
  ['#/mail', 'Mail'],
  ['#/events', 'Event stream'],
] as const;

const live = h('span', { class: 'live', 'data-testid': 'live' });
const nav = h(
  'nav',
  {},
  NAV.map(([href, label]) => h('a', { href }, label)),
);
const credentialsBox = h('div', { class: 'credentials' });
const main = h('main', {});
document.body.append(h('header', {}, h('a', { class: 'brand', href: '#/executions' }, 'Switchyard'), nav, live), credentialsBox, main);

const LIVE_TEXT: Record<FeedStatus, string> = { live: '● live', connecting: '○ connecting', unavailable: '○ not live (polling)' };
onFeedStatus((status) => {
  live.className = `live live-${status}`;
  live.dataset.status = status;
  replace(live, LIVE_TEXT[status]);
});
// Keep one connection to the feed open for as long as the page is.
subscribe(() => {});

let cleanup: (() => void) | undefined;

function route(): void {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const hash = location.hash || '#/executions';
  const [path = '', search = ''] = hash.slice(1).split('?');
  const query = new URLSearchParams(search);
  const [, page = 'executions', ...rest] = path.split('/');
  const arg = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.getAttribute('href') === `#/${page}`);
  main.replaceChildren();
  // A name that is not an ARN (its name, business key or id alone) is looked up first.
  if ((page === 'execution' || page === 'durable-execution') && arg && !arg.startsWith('arn:')) cleanup = executionLookupPage(main, arg);
  else if (page === 'execution' && arg) cleanup = executionPage(main, arg);
  else if (page === 'durable-execution' && arg) cleanup = durableExecutionPage(main, arg);
  else if (page === 'escalations') cleanup = escalationsPage(main);
  else if (page === 'failures') cleanup = failuresPage(main);
  else if (page === 'flows') cleanup = flowsPage(main);
  else if (page === 'flow-control') cleanup = flowControlPage(main);
  else if (page === 'models') cleanup = modelsPage(main);
  else if (page === 'mail' && arg) cleanup = mailMessagePage(main, arg);
  else if (page === 'mail') cleanup = mailPage(main, query);
  else if (page === 'events') cleanup = eventsPage(main, query);
  else if (page === 'lineage') cleanup = lineagePage(main, arg);
  else if (page === 'trace') cleanup = tracePage(main, arg);
  else cleanup = executionsPage(main, query);
}

window.addEventListener('hashchange', route);
route();

/** With --verify-signatures the endpoint refuses the default key: ask for one, once per tab. */
function askForCredentials(reason: string): void {
  if (credentialsBox.childElementCount > 0) return;
  const current = currentCredentials();
  const id = h('input', {
    name: 'accessKeyId',
    value: current === DEFAULT_CREDENTIALS ? '' : current.accessKeyId,
    required: true,
  }) as HTMLInputElement;
  const secret = h('input', { name: 'secretAccessKey', type: 'password', required: true }) as HTMLInputElement;
  const region = h('input', { name: 'region', value: current.region }) as HTMLInputElement;
  replace(
    credentialsBox,
    h(
      'form',
      {
        class: 'credentials-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          saveCredentials({ accessKeyId: id.value.trim(), secretAccessKey: secret.value, region: region.value.trim() || 'us-east-1' });
          credentialsBox.replaceChildren();
          route();
        },
      },
      h(
        'p',
        {},
        `The runtime verifies signatures (${reason}). Sign in with a key it was started with (--credentials id:secret); it is kept in this tab only.`,
      ),
      h('label', {}, 'Access key id ', id),
      h('label', {}, 'Secret access key ', secret),
      h('label', {}, 'Region ', region),
      h('button', { type: 'submit' }, 'Use these credentials'),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            forgetCredentials();
            credentialsBox.replaceChildren();
            route();
          },
        },
        'Forget',
      ),
    ),
  );
}
onSignatureProblem((error) => askForCredentials(error.code));
