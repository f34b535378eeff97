/**
 * Access policy: who may do what, where, with whose approval (decide), what a Job may ask of a
 * cluster (checkGuardrails), and which text is secret (createMasker). Read from the JOBBOT_CONFIG
 * file by parsePolicy, whose header documents the format. Pure: no Slack, Kubernetes or database code.
 */

export { decide, isAdmin, mayDispatchJob, mayDispatchSomething, ruleFor } from './decide.js';
export { formatDuration, parseDuration } from './duration.js';
export { globMatches } from './glob.js';
export { checkGuardrails } from './guardrails.js';
export { imageAllowed } from './images.js';
export { createMasker, MASK, type Masker } from './mask.js';
export { MAX_POLICY_BYTES, type PolicyParseResult, parsePolicy } from './parse.js';
export { matchesPrincipals, mention, principalNames } from './principals.js';
export { compareQuantities, parseQuantity, type Quantity } from './quantity.js';
export { isSecretName } from './secret-names.js';
export { secretRefText } from './secret-ref.js';
export * from './types.js';
export { policyWarnings } from './warnings.js';
