import { count, table } from '../../clients/format.js';
import type { IamReport, IamRoleReport } from '../../clients/read-api-contract.js';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { usageError } from '../../inspect/errors.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard iam [--json]

IAM as the local runtime evaluated it in this run (switchyard dev --iam, SWITCHYARD_IAM):
  - every request AWS would refuse (under warn it ran anyway; under enforce it was refused),
    with its principal, action and resource, AWS's message and the grant that would fix it;
  - per role, what its sessions asked for (action and resource) against its grants: what was
    missing, the Allow statements nothing used, and the statements with a wildcard action or
    resource, so that grants can be tightened before deploy (as IAM Access Analyzer's policy
    generation does from CloudTrail). Unused means unused in this run: drive every flow first.
  - policies that grant nothing as written (an unknown action, a document IAM cannot read).

Local runtime only (AWS keeps no such record; use IAM Access Analyzer there).

${GLOBAL_HELP}

Exit status: 0 shown, 1 the runtime could not be read, 2 bad input.`;

export const iam: Command = async (argv, io) => {
  const { values } = parseCommand(argv, {}, false);
  if (values.help) return io.out(HELP);
  const target = io.clients(values).target;
  if (target.kind !== 'local') throw usageError('iam reads what a local runtime evaluated: leave out --aws and --profile');
  const report = await getReadApi<IamReport>(target, READ_API_PATHS.iam);
  if (values.json) return io.out(JSON.stringify(report, null, 2));
  for (const line of renderIamReport(report)) io.out(line);
};

/** The report as text: the mode, the refusals, each role's use, the policies' problems. */
export function renderIamReport(report: IamReport): string[] {
  const lines = [`IAM mode: ${report.mode}`];
  if (report.mode === 'off') lines.push('  nothing was evaluated: run with --iam warn (the default of switchyard dev) or --iam enforce');
  lines.push('');
  if (report.findings.length === 0) lines.push('No request AWS would refuse.');
  else {
    lines.push(`Requests AWS would refuse (${report.findings.length}):`);
    for (const f of report.findings) {
      lines.push(`  ${f.principal}`);
      lines.push(`    ${f.action} on ${f.resource} (${f.where}; ${count(f.count)}x, ${f.mode === 'enforce' ? 'refused' : 'ran anyway'})`);
      lines.push(`    ${f.message}`);
      lines.push(`    fix: ${f.fix}`);
    }
  }
  for (const role of report.roles) lines.push('', ...roleLines(role));
  if (report.problems.length > 0) {
    lines.push('', 'Policies that grant nothing as written (AWS accepts them):');
    for (const p of report.problems) lines.push(`  ${p.holder}: ${p.problem}`);
  }
  return lines;
}

function roleLines(role: IamRoleReport): string[] {
  const lines = [`Role ${role.roleArn} (${role.holder})`];
  if (role.used.length === 0) lines.push('  used: nothing in this run');
  else {
    lines.push(
      table(
        ['  ACTION', 'RESOURCE', 'ALLOWED', 'CALLS'],
        role.used.map((u) => [`  ${u.action}`, u.resource, u.allowed ? 'yes' : 'MISSING', count(u.count)]),
      ),
    );
  }
  for (const grant of role.unused) lines.push(`  unused: ${grant.actions.join(', ')} on ${grant.resources.join(', ')} (${grant.policy})`);
  for (const grant of role.wildcards)
    lines.push(`  wildcard: ${grant.actions.join(', ')} on ${grant.resources.join(', ')} (${grant.policy})`);
  return lines;
}
