import type { CustomBusSubscriber, CustomBusSummary } from '../../../clients/read-api-contract.js';
import { h, message, replace } from '../dom.js';
import { customBuses } from '../feed.js';

/** The counts a subscriber's row shows, in the order drawn, with their labels. */
const COUNTS: readonly [keyof CustomBusSubscriber['counts'], string][] = [
  ['delivered', 'delivered'],
  ['retrying', 'retrying'],
  ['deadLettered', 'dead-lettered'],
  ['dropped', 'dropped'],
  ['waiting', 'waiting'],
];

/**
 * The app's Custom Event Buses (EventBridge's `eventbridgev2`) and their subscribers, drawn into
 * `section` from the read API's /custom-buses; nothing is drawn for an app without one.
 * Returns what draws it again (the events page calls it as the live feed moves).
 */
export function customBusesSection(section: HTMLElement): () => Promise<void> {
  return async () => {
    try {
      const buses = await customBuses();
      replace(section, buses.length === 0 ? [] : [h('h2', {}, 'Custom Event Buses'), ...buses.map(busView)]);
    } catch (error) {
      replace(section, h('p', { class: 'error' }, `Custom Event Buses: ${message(error)}`));
    }
  };
}

function busView(bus: CustomBusSummary): HTMLElement {
  return h(
    'div',
    { class: 'custom-bus', 'data-bus': bus.name },
    h('h3', {}, bus.name, h('span', { class: 'muted small' }, ` keeps events ${bus.retentionDays} day(s) · ${bus.arn}`)),
    bus.subscribers.length === 0
      ? h('p', { class: 'muted' }, 'No subscribers.')
      : h(
          'table',
          { class: 'subscribers' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Subscriber', 'Target', 'Type', 'State', 'Filters', 'Batch', 'Dead-letter queue', ...COUNTS.map(([, label]) => label)].map(
                (title) => h('th', {}, title),
              ),
            ),
          ),
          h('tbody', {}, bus.subscribers.map(subscriberRow)),
        ),
  );
}

function subscriberRow(s: CustomBusSubscriber): HTMLElement {
  const batch = s.batch
    ? [
        s.batch.maxBatchSize === undefined ? '' : `${s.batch.maxBatchSize} a batch`,
        s.batch.maxBatchWindowInSeconds ? `window ${s.batch.maxBatchWindowInSeconds} s` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  return h(
    'tr',
    { 'data-subscriber': s.name, title: s.arn },
    h('td', {}, s.name),
    h('td', { title: s.targetArn }, s.targetArn.split(':').at(-1) ?? s.targetArn),
    h('td', {}, s.type),
    h('td', {}, s.state),
    h(
      'td',
      {},
      s.filters.map((f) => h('code', { title: f.scope }, f.pattern)),
    ),
    h('td', {}, batch),
    h('td', { title: s.deadLetterArn ?? '' }, s.deadLetterArn ? (s.deadLetterArn.split(':').at(-1) ?? '') : 'none (dropped)'),
    ...COUNTS.map(([key]) => h('td', { 'data-count': key }, String(s.counts[key]))),
  );
}
