import { describe, expect, it } from 'vitest';
import { uniqueMatch } from '../../testing/waits.js';

const pick = (wanted: string, names: string[]) => names.filter(uniqueMatch(wanted, names));

describe('uniqueMatch', () => {
  it('picks the table whose logical id is the name asked for, though the stack name contains it too', () => {
    const names = ['OrdersApp-IdempotencyTable48612DF4', 'OrdersApp-OrdersA9B65338'];
    expect(pick('Orders', names)).toEqual(['OrdersApp-OrdersA9B65338']);
    expect(pick('idempotency', names)).toEqual(['OrdersApp-IdempotencyTable48612DF4']);
  });

  it('takes an exact name as it is', () => {
    expect(pick('Orders', ['Orders', 'OrdersArchive'])).toEqual(['Orders']);
  });

  it('matches a name that only contains the words asked for', () => {
    expect(pick('app-orders', ['my-app-orders-queue', 'other'])).toEqual(['my-app-orders-queue']);
  });

  it('fails if several names match equally well', () => {
    expect(pick('Orders', ['S-OrdersIn12345678', 'S-OrdersOut12345678'])).toEqual([]);
  });
});
