/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `128974848`, `129e6`, `8G`), read exactly so
 * that a limit is compared the way the API server compares it. Glossary, after
 * k8s.io/apimachinery/pkg/api/resource:
 * - signed number: digits with an optional decimal point (`1`, `1.5`, `.5`, `5.`), optionally signed.
 * - binary SI suffix: Ki Mi Gi Ti Pi Ei (powers of 1024).
 * - decimal SI suffix: n u m (none) k M G T P E (powers of 1000; `m` is a thousandth, `M` a million).
 * - decimal exponent: `e`/`E` and a signed integer (`129e6`); `1E` alone is exa, `1E3` is 1000.
 * A quantity is kept as an exact fraction of big integers, so `0.1` and `100m` are equal and `4` is
 * not "4.000000001" because of floating point.
 */

export interface Quantity {
  /** The value is num / den; den is always positive. */
  num: bigint;
  den: bigint;
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// Kubernetes caps quantities far below this; the bound only keeps a hostile `1e999999999` from
// building an enormous big integer.
const MAX_EXPONENT = 64;
const MAX_LENGTH = 64;

/** A quantity from text or from a YAML number (`cpu: 2`), or undefined when it is not one. */
export function parseQuantity(value: unknown): Quantity | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || text.length > MAX_LENGTH) return undefined;
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, sign, number, suffix, exponent] = match;
  const [whole = '', fraction = ''] = number!.split('.');
  let num = BigInt(`${whole}${fraction}` || '0');
  let den = 10n ** BigInt(fraction.length);
  let power10 = 0;
  if (suffix !== undefined && BINARY[suffix] !== undefined) num *= 1024n ** BigInt(BINARY[suffix]);
  else if (suffix !== undefined) power10 = DECIMAL[suffix] ?? 0;
  else if (exponent !== undefined) {
    power10 = Number(exponent);
    if (Math.abs(power10) > MAX_EXPONENT) return undefined;
  }
  if (power10 >= 0) num *= 10n ** BigInt(power10);
  else den *= 10n ** BigInt(-power10);
  return { num: sign === '-' ? -num : num, den };
}

/** Negative, zero or positive as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const diff = a.num * b.den - b.num * a.den;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** An approximate number, for messages and sanity checks only (never for comparisons). */
export function quantityNumber(q: Quantity): number {
  return Number(q.num) / Number(q.den);
}
