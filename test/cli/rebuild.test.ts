import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';

async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await main(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l), stdin: () => '' });
  return { code, output: lines.join('\n') };
}

describe('switchyard rebuild', () => {
  it('explains itself with --help', async () => {
    const { code, output } = await run('rebuild', '--help');
    expect(code).toBe(0);
    expect(output).toContain('Usage: switchyard rebuild --table <name> --rule <name> --from <time>');
    expect(output).toContain('Destination.FilterArns');
  });

  it('fails if --table is missing', async () => {
    expect(await run('rebuild', '--rule', 'Projector', '--from', '1h')).toEqual({
      code: 2,
      output: 'switchyard rebuild: --table is required: the read-model table to rebuild',
    });
  });

  it('fails if --rule is missing', async () => {
    expect((await run('rebuild', '--table', 'ReadModel', '--from', '1h')).output).toContain('--rule is required');
  });

  it('fails if --from is missing or not before --to', async () => {
    expect((await run('rebuild', '--table', 'T', '--rule', 'R')).output).toContain('--from is required');
    const { code, output } = await run('rebuild', '--table', 'T', '--rule', 'R', '--from', '1h', '--to', '2h');
    expect(code).toBe(2);
    expect(output).toMatch(/--from \(.*\) must be before --to/);
  });

  it('fails if the target cannot be reached, before deleting anything', async () => {
    const { code, output } = await run('rebuild', '--table', 'T', '--rule', 'R', '--from', '1h', '--endpoint', 'http://127.0.0.1:9');
    expect(code).toBe(1);
    expect(output).toMatch(/switchyard rebuild: .*127\.0\.0\.1:9/);
  });
});
