/**
 * Globs of the policy file, for job names and images. Glossary: `*` matches any run of characters
 * (none included, `/` included), `?` exactly one character, everything else itself, case-sensitively.
 *
 * Matched by hand rather than through a RegExp: a pattern like `*a*a*a*b` would make a backtracking
 * regex polynomial in the name's length, while this greedy walk that only ever returns to the last
 * star is O(pattern × text).
 */
export function globMatches(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = glob[g];
    if (c === '*') {
      star = g++;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      g++;
      t++;
    } else if (star >= 0) {
      // Let the last star swallow one more character and retry from there.
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * Whether every name `later` matches is matched by `earlier` too, so a rule for `later` placed after
 * one for `earlier` never applies. Sound but not complete: it is only decided when `earlier` has no
 * `?` (its stars then absorb whatever `later`'s wildcards stand for); otherwise the answer is false.
 */
export function globCovers(earlier: string, later: string): boolean {
  return !earlier.includes('?') && globMatches(earlier, later);
}
