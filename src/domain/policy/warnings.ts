/**
 * What the start-up log (and a reload) should say about a policy that is valid but surprising, so
 * an operator learns about it before the first person is refused.
 */
import { isEmpty } from './principals.js';
import type { Policy } from './types.js';

export function policyWarnings(policy: Policy): string[] {
  if (!policy.configured) {
    return [
      'No JOBBOT_CONFIG policy file: everyone in the workspace may define, dispatch and delete jobs in every ' +
        'cluster and namespace. Set JOBBOT_CONFIG to a policy file to restrict this.',
    ];
  }
  const warnings: string[] = [];
  if (isEmpty(policy.admins)) {
    warnings.push(
      'The policy names no admins: no one can create, edit or delete job definitions, manage tokens or read the audit log.',
    );
  }
  if (policy.policies.length === 0) {
    warnings.push(
      isEmpty(policy.admins)
        ? 'The policy has no `policies` and no admins: no one can dispatch any job.'
        : 'The policy has no `policies`: only admins can dispatch jobs.',
    );
  }
  return warnings;
}
