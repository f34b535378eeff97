/**
 * The head and tail of a log kept while it streams past, within a byte cap. The first half of the
 * cap is kept as it arrives and the last half in a ring buffer that the rest of the log keeps
 * overwriting, so memory is the cap whatever the log's size, and the end kept is the log's real end
 * (reading only a prefix would keep the end of that prefix). `result()` then cuts both at line ends
 * where one is near, else on UTF-8 character boundaries, around a line saying how many bytes were
 * dropped; `capLog` makes the same cut of a log held whole.
 */

export interface CappedLog {
  text: string;
  truncated: boolean;
  originalBytes: number;
}

/** Below this the marker line alone would not fit. */
export const MIN_CAP = 64;
const NEWLINE = 0x0a;

export class LogWindow {
  readonly #cap: number;
  readonly #headCap: number;
  readonly #head: Uint8Array[] = [];
  #headBytes = 0;
  /** Allocated on the first byte past the head: most logs never need it. */
  #ring: Uint8Array | undefined;
  readonly #ringCap: number;
  /** Where the next byte goes; once `#ringFull`, also where the oldest kept byte is. */
  #ringAt = 0;
  #ringFull = false;
  #total = 0;

  constructor(capBytes: number) {
    if (!Number.isInteger(capBytes) || capBytes < MIN_CAP)
      throw new RangeError(`capBytes must be at least ${MIN_CAP}`);
    this.#cap = capBytes;
    this.#headCap = Math.ceil(capBytes / 2);
    this.#ringCap = capBytes - this.#headCap;
  }

  /** Bytes seen so far, kept or not. */
  get bytes(): number {
    return this.#total;
  }

  push(chunk: Uint8Array): void {
    this.#total += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headCap) {
      const take = Math.min(rest.length, this.#headCap - this.#headBytes);
      // Copied: a view would keep the whole (larger) chunk it belongs to alive.
      this.#head.push(new Uint8Array(rest.subarray(0, take)));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) this.#keepTail(rest);
  }

  /** The log within the cap: whole when it fits, else head, marker line and tail. */
  result(): CappedLog {
    const head = concat(this.#head, this.#headBytes);
    const tail = this.#tail();
    const total = this.#total;
    // Within the cap nothing was overwritten: head and tail together are the whole log.
    if (total <= this.#cap)
      return { text: decode(concat([head, tail])), truncated: false, originalBytes: total };
    // Sized for the largest possible count, plus a newline before it when the head ends mid-line.
    const room = this.#cap - byteLength(marker(total)) - 1;
    const half = Math.floor(room / 2);
    const lastNewline = head.lastIndexOf(NEWLINE, half - 1);
    const headEnd = lastNewline >= half / 2 ? lastNewline + 1 : charStartBefore(head, half);
    // The tail may use what the head left of the room, as far as the ring holds.
    const keep = Math.min(room - headEnd, tail.length);
    const from = tail.length - keep;
    const firstNewline = tail.indexOf(NEWLINE, from);
    const tailStart =
      firstNewline >= 0 && firstNewline < from + keep / 2 ? firstNewline + 1 : charStart(tail, from);
    const headText = decode(head.subarray(0, headEnd));
    const tailBytes = tail.subarray(tailStart);
    const newline = headText.endsWith('\n') ? '' : '\n';
    const dropped = total - headEnd - tailBytes.length;
    return {
      text: `${headText}${newline}${marker(dropped)}${decode(tailBytes)}`,
      truncated: true,
      originalBytes: total,
    };
  }

  #keepTail(bytes: Uint8Array): void {
    this.#ring ??= new Uint8Array(this.#ringCap);
    const ring = this.#ring;
    if (bytes.length >= ring.length) {
      ring.set(bytes.subarray(bytes.length - ring.length));
      this.#ringAt = 0;
      this.#ringFull = true;
      return;
    }
    const first = Math.min(bytes.length, ring.length - this.#ringAt);
    ring.set(bytes.subarray(0, first), this.#ringAt);
    ring.set(bytes.subarray(first), 0);
    const end = this.#ringAt + bytes.length;
    if (end >= ring.length) this.#ringFull = true;
    this.#ringAt = end % ring.length;
  }

  /** The ring's bytes, oldest first. */
  #tail(): Uint8Array {
    const ring = this.#ring;
    if (!ring) return new Uint8Array(0);
    if (!this.#ringFull) return ring.subarray(0, this.#ringAt);
    return concat([ring.subarray(this.#ringAt), ring.subarray(0, this.#ringAt)]);
  }
}

export function marker(dropped: number): string {
  return `[… ${dropped.toLocaleString('en-US')} bytes dropped …]\n`;
}

/** Index of the first byte of the UTF-8 character that byte `i` belongs to. */
function charStartBefore(bytes: Uint8Array, i: number): number {
  let at = i;
  while (at > 0 && ((bytes[at] ?? 0) & 0xc0) === 0x80) at--;
  return at;
}

/** Index of the first byte of the UTF-8 character at or after `i`. */
function charStart(bytes: Uint8Array, i: number): number {
  let at = i;
  while (at < bytes.length && ((bytes[at] ?? 0) & 0xc0) === 0x80) at++;
  return at;
}

function concat(parts: Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes that are not UTF-8 come out as U+FFFD. */
function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
