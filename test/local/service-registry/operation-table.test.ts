import { describe, expect, it } from 'vitest';
import { operationTable } from '../../../local/service-registry/operation-table.js';

class Base {
  async Inherited() {
    return 'inherited';
  }
}

class Service extends Base {
  async Echo(input: unknown, ...rest: unknown[]) {
    return { input, rest };
  }
  async helper() {
    return 'not an operation';
  }
}

describe('operationTable', () => {
  it('serves the PascalCase methods the class itself declares, with {} for a missing input', async () => {
    const table = operationTable(new Service(), Service);
    expect(Object.keys(table)).toEqual(['Echo']);
    expect(await table.Echo?.(undefined as never)).toEqual({ input: {}, rest: [] });
  });

  it('calls the method the service has at the time of the call, through the wrap given', async () => {
    const service = new Service();
    const table = operationTable(service, Service, (method) => (input: never, options?: string) => method(input, options));
    service.Echo = async (input: unknown) => ({ input, replaced: true, rest: [] });
    expect(await table.Echo?.('in' as never, 'opt')).toEqual({ input: 'in', replaced: true, rest: [] });
  });
});
