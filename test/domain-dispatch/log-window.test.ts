/**
 * LogWindow: a log pushed in parts of any size comes out as capLog makes it of the whole log, so
 * where the network happens to split a stream (inside a UTF-8 sequence, across the ring's wrap)
 * never shows; and the end kept is the real end however long the log runs past the cap.
 */
import { describe, expect, it } from 'vitest';
import { capLog, LogWindow } from '../../src/domain/dispatch/index.js';

const encode = (s: string) => new TextEncoder().encode(s);

function streamed(bytes: Uint8Array, cap: number, partSize: number) {
  const w = new LogWindow(cap);
  for (let at = 0; at < bytes.length; at += partSize) w.push(bytes.subarray(at, at + partSize));
  return w.result();
}

describe('LogWindow', () => {
  it('keeps a log within the cap whole, however it arrives', () => {
    const text = 'héllo €\nwörld 🙂\n'.repeat(3);
    const bytes = encode(text);
    for (const cap of [bytes.length, bytes.length + 1])
      for (const part of [1, 2, 3, 5, 64])
        expect(streamed(bytes, cap, part)).toEqual({ text, truncated: false, originalBytes: bytes.length });
    expect(new LogWindow(64).result()).toEqual({ text: '', truncated: false, originalBytes: 0 });
  });

  it('cuts a streamed log as capLog cuts the whole one, at line ends', () => {
    const text = Array.from({ length: 5_000 }, (_, i) => `line ${i} ${'ü'.repeat(i % 7)}`).join('\n');
    const bytes = encode(text);
    for (const cap of [64, 100, 1_000, 4_096]) {
      const whole = capLog(bytes, cap);
      expect(whole.truncated).toBe(true);
      expect(whole.text.endsWith('line 4999 ü')).toBe(true);
      for (const part of [1, 7, 1_000, 65_536]) expect(streamed(bytes, cap, part)).toEqual(whole);
    }
  });

  it('never splits a UTF-8 character, wherever the parts and the cut fall', () => {
    // 2-, 3- and 4-byte characters and no line end: every cut has to find a character boundary.
    const text = 'é€🙂'.repeat(3_000);
    const bytes = encode(text);
    for (let cap = 64; cap < 64 + 9; cap++) {
      for (let part = 1; part <= 9; part++) {
        const result = streamed(bytes, cap, part);
        expect(result.text).not.toContain('\uFFFD');
        expect(encode(result.text).length).toBeLessThanOrEqual(cap);
        const m = /\n\[… ([\d,]+) bytes dropped …\]\n/.exec(result.text)!;
        const head = result.text.slice(0, m.index);
        const tail = result.text.slice(m.index + m[0].length);
        expect(text.startsWith(head) && text.endsWith(tail)).toBe(true);
        const dropped = Number(m[1]!.replaceAll(',', ''));
        expect(dropped + encode(head).length + encode(tail).length).toBe(bytes.length);
      }
    }
  });

  it('keeps the real end of a log many times the cap, with memory of the cap', () => {
    const w = new LogWindow(4_096);
    const line = (i: number) => encode(`${String(i).padStart(8, '0')} ${'x'.repeat(90)}\n`);
    for (let i = 0; i < 100_000; i++) w.push(line(i));
    expect(w.bytes).toBe(100_000 * 100);
    const result = w.result();
    expect(result).toMatchObject({ truncated: true, originalBytes: 10_000_000 });
    expect(result.text.startsWith('00000000 ')).toBe(true);
    expect(result.text.endsWith(`00099999 ${'x'.repeat(90)}\n`)).toBe(true);
  });

  it('refuses a cap too small to hold the marker', () => {
    expect(() => new LogWindow(63)).toThrow(RangeError);
  });
});
