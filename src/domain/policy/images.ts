/**
 * Matching an image reference against the policy's image globs. Glossary: an image reference is
 * `[registry/][path/]name[:tag][@digest]`; without a registry it comes from Docker Hub, and a
 * single-part name from its `library/` path, so `busybox:1.36`, `docker.io/library/busybox:1.36` and
 * `index.docker.io/library/busybox:1.36` are the same image. A glob matches when it matches any of
 * these spellings, so the policy and the Job need not spell Docker Hub images alike.
 */
import { globMatches } from './glob.js';

const HUB = 'docker.io/';
const HUB_ALIASES = ['index.docker.io/', 'registry-1.docker.io/', HUB];

/** The spellings of one image: as written, fully qualified, and short (for Docker Hub images). */
export function imageSpellings(image: string): string[] {
  let full = image;
  const alias = HUB_ALIASES.find((a) => image.startsWith(a));
  if (alias !== undefined) full = HUB + image.slice(alias.length);
  else {
    const first = image.split('/')[0] ?? '';
    // A first part with a dot or port, or `localhost`, is a registry; anything else is a Hub path.
    const isRegistry =
      image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
    if (!isRegistry) full = HUB + image;
  }
  if (full.startsWith(HUB) && !full.slice(HUB.length).includes('/'))
    full = `${HUB}library/${full.slice(HUB.length)}`;
  const path = full.startsWith(HUB) ? full.slice(HUB.length) : undefined;
  const short = path?.startsWith('library/') ? path.slice('library/'.length) : path;
  return [
    ...new Set([image, full, ...(path === undefined ? [] : [path]), ...(short === undefined ? [] : [short])]),
  ];
}

export function imageAllowed(globs: readonly string[], image: string): boolean {
  const spellings = imageSpellings(image);
  return globs.some((glob) => spellings.some((s) => globMatches(glob, s)));
}
