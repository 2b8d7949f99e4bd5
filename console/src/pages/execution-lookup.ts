import { EXECUTION_NAMED_BY, executionsNamed } from '../../../clients/execution-names.js';
import { h, message, replace } from '../dom.js';
import type { ExecutionRow } from '../executions-data.js';
import { durableExecutionHref, executionHref } from '../routes.js';
import { readExecutions } from './executions.js';

/**
 * An execution's page reached by a name that is not its ARN (`#/execution/<name>`): its name,
 * the business key the Executions page and `switchyard executions` show
 * (`OrderPlaced#orderId="O-1"`), or the id alone (`O-1`), as `switchyard execution` takes
 * them. The one execution it names opens in its place (its page, with Stop and "Rerun from
 * here"); several are listed to choose from; none says what names one.
 */
export function executionLookupPage(root: HTMLElement, wanted: string): () => void {
  let stopped = false;
  replace(root, h('p', { class: 'muted' }, `Finding execution ${wanted}…`));
  void (async () => {
    try {
      const { rows, problems } = await readExecutions(undefined, undefined);
      if (stopped) return;
      const named = executionsNamed(rows, wanted);
      const only = named[0];
      // In place of this address, so that Back leaves the execution rather than finding it again.
      if (only !== undefined && named.length === 1) return location.replace(hrefOf(only));
      const missing = problems === '' ? '' : ` (${problems})`;
      if (named.length === 0) {
        return replace(
          root,
          h('h1', {}, 'No such execution'),
          h(
            'p',
            { class: 'error' },
            `No execution named "${wanted}" among the newest executions of the app's flows and durable functions${missing}; ${EXECUTION_NAMED_BY}.`,
          ),
        );
      }
      replace(
        root,
        h('h1', {}, `"${wanted}" names ${named.length} executions`),
        h('p', { class: 'note' }, 'Choose one:'),
        h(
          'ul',
          {},
          named.map((row) => h('li', {}, h('a', { href: hrefOf(row) }, `${row.flow} ${row.name}`), ` ${row.status}`)),
        ),
      );
    } catch (error) {
      if (!stopped) replace(root, h('p', { class: 'error' }, `Could not look for execution ${wanted}: ${message(error)}`));
    }
  })();
  return () => {
    stopped = true;
  };
}

function hrefOf(row: ExecutionRow): string {
  return row.type === 'DURABLE' ? durableExecutionHref(row.executionArn) : executionHref(row.executionArn);
}
