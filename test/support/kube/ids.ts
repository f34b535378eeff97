/**
 * Seeded identifiers: UIDs and the 5-character suffixes of generated names.
 *
 * A seeded generator makes pod names and UIDs repeat between runs of the same test, which keeps
 * snapshots and failure messages stable.
 */

/** The alphabet of apimachinery's SimpleNameGenerator (no vowels, no confusable characters). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 58;

export class IdSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** mulberry32: tiny, fast and good enough for names. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** `generateName` semantics: the base is cut to 58 characters so the result fits 63. */
  generateName(base: string): string {
    const suffix = Array.from(
      { length: 5 },
      () => NAME_ALPHABET[Math.floor(this.next() * NAME_ALPHABET.length)],
    ).join('');
    return `${base.slice(0, MAX_GENERATED_BASE)}${suffix}`;
  }
}
