/**
 * Kubernetes naming rules, checked before any API call so a person sees every problem at once and in
 * plain words. Each `…Problem` function returns one sentence about `subject` (e.g. 'Container name'),
 * or undefined when the value is fine. The rules mirror k8s.io/apimachinery/pkg/util/validation.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
// RelaxedEnvironmentVariableValidation (default since Kubernetes 1.32, GA in 1.34): any printable
// ASCII except '='. Older clusters still demand [-._a-zA-Z][-._a-zA-Z0-9]*; they answer the dispatch
// with their own error, which is rarer than refusing a name a current cluster accepts.
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

export const DNS_LABEL_MAX = 63;

/** The longest dispatch number Jobbot promises to name: 10 digits. */
export const MAX_DISPATCH_NUMBER = 9_999_999_999;

/**
 * A definition name leaves room for `-` and a 10-digit dispatch number, so every Job it dispatches has
 * a valid name (a DNS-1123 label of at most 63 characters; the Job name also becomes a label value).
 */
export const MAX_DEFINITION_NAME = DNS_LABEL_MAX - 1 - String(MAX_DISPATCH_NUMBER).length;

/** The Kubernetes Job name for dispatch `n` of definition `name`. */
export function kubernetesJobName(name: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_DISPATCH_NUMBER) {
    throw new RangeError(`dispatch number ${n} is not an integer between 0 and ${MAX_DISPATCH_NUMBER}`);
  }
  return `${name}-${n}`;
}

/** A lower-case DNS-1123 label close to `text`, for "try …" hints; '' when nothing usable is left. */
export function suggestDnsLabel(text: string, max = DNS_LABEL_MAX): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

export function dnsLabelProblem(value: string, subject: string, max = DNS_LABEL_MAX): string | undefined {
  if (value === '') return `${subject} is required.`;
  if (value.length > max) {
    return `${subject} "${value}" is ${value.length} characters long; the limit is ${max}.`;
  }
  if (DNS_LABEL.test(value)) return undefined;
  const hint = suggestDnsLabel(value, max);
  return (
    `${subject} "${value}" must be lower case letters, digits and '-', starting and ending with a letter ` +
    `or digit (DNS-1123 label).${hint !== '' && hint !== value ? ` Try "${hint}".` : ''}`
  );
}

/** Names of Secrets, ConfigMaps and PersistentVolumeClaims: dot-separated DNS labels, at most 253. */
export function dnsSubdomainProblem(value: string, subject: string): string | undefined {
  if (value === '') return `${subject} is required.`;
  if (value.length > 253) return `${subject} is ${value.length} characters long; the limit is 253.`;
  if (DNS_SUBDOMAIN.test(value)) return undefined;
  return (
    `${subject} "${value}" must be lower case letters, digits, '-' and '.', starting and ending with a ` +
    'letter or digit (DNS-1123 subdomain).'
  );
}

/** Port names (IANA_SVC_NAME): at most 15 of a-z, 0-9 and '-', with a letter, no '--', no '-' at either end. */
export function portNameProblem(value: string, subject: string): string | undefined {
  const ok =
    value.length >= 1 &&
    value.length <= 15 &&
    /^[a-z0-9-]+$/.test(value) &&
    /[a-z]/.test(value) &&
    !value.includes('--') &&
    !value.startsWith('-') &&
    !value.endsWith('-');
  if (ok) return undefined;
  return (
    `${subject} "${value}" must be at most 15 lower case letters, digits and '-', with at least one letter ` +
    "and no '-' at either end or twice in a row (IANA service name), e.g. http or metrics."
  );
}

export function envNameProblem(value: string, subject: string): string | undefined {
  if (value === '') return `${subject} is required.`;
  if (ENV_NAME.test(value)) return undefined;
  return (
    `${subject} "${value}" may only use printable ASCII characters other than '=' ` +
    '(letters, digits and _ are the safe choice, e.g. DB_HOST).'
  );
}

/** Keys inside a Secret or ConfigMap. */
export function configKeyProblem(value: string, subject: string): string | undefined {
  if (value === '') return `${subject} is required.`;
  if (value.length > 253) return `${subject} is ${value.length} characters long; the limit is 253.`;
  if (CONFIG_MAP_KEY.test(value) && value !== '.' && value !== '..' && !value.startsWith('..'))
    return undefined;
  return `${subject} "${value}" may only use letters, digits, '-', '_' and '.' (a Secret or ConfigMap key).`;
}

export function labelValueProblem(value: string, subject: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > DNS_LABEL_MAX) {
    return `${subject} "${value}" is ${value.length} characters long; label values are limited to 63.`;
  }
  if (LABEL_VALUE.test(value)) return undefined;
  return (
    `${subject} "${value}" must be letters, digits, '-', '_' and '.', starting and ending with a letter ` +
    'or digit (a label value); put free text in an annotation instead.'
  );
}

/** Label keys: an optional DNS subdomain prefix and '/', then a name like a label value. */
export function labelKeyProblem(key: string, subject: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok =
    name.length >= 1 &&
    name.length <= DNS_LABEL_MAX &&
    LABEL_VALUE.test(name) &&
    (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (ok) return undefined;
  return (
    `${subject} "${key}" must be an optional DNS prefix and '/' followed by at most 63 letters, digits, ` +
    "'-', '_' and '.', starting and ending with a letter or digit (e.g. example.com/team)."
  );
}

/**
 * Text that may be used as a label value: other characters become '-', the ends are trimmed to a
 * letter or digit, and the result is cut to 63 characters. Anything that must survive exactly belongs
 * in an annotation.
 */
export function sanitizeLabelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, DNS_LABEL_MAX)
    .replace(/[^A-Za-z0-9]+$/, '');
}
