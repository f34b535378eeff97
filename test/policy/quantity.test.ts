import { describe, expect, it } from 'vitest';
import {
  compareQuantities,
  formatDuration,
  globMatches,
  imageAllowed,
  parseDuration,
  parseQuantity,
} from '../../src/domain/policy/index.js';

function value(text: unknown): number | undefined {
  const q = parseQuantity(text);
  return q === undefined ? undefined : Number(q.num) / Number(q.den);
}

describe('parseQuantity', () => {
  const table: [unknown, number | undefined][] = [
    ['1', 1],
    ['500m', 0.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['+2', 2],
    ['-1', -1],
    ['100n', 1e-7],
    ['250u', 0.00025],
    ['1k', 1000],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['8M', 8e6],
    ['8G', 8e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18], // exa, not an exponent
    ['129e6', 129e6],
    ['1E3', 1000],
    ['12e-3', 0.012],
    ['1e+3', 1000],
    [2, 2], // YAML numbers
    [0.25, 0.25],
    [1e21, 1e21],
    ['', undefined],
    ['1gi', undefined], // units are case-sensitive
    ['1 Gi', undefined],
    ['Gi', undefined],
    ['1.2.3', undefined],
    ['1e', undefined],
    ['1Ki5', undefined],
    ['1e999', undefined], // refused rather than computed
    ['0x10', undefined],
    [Number.NaN, undefined],
    [null, undefined],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text) ?? String(text)} → ${expected}`, () => {
      if (expected === undefined) expect(parseQuantity(text)).toBeUndefined();
      else expect(value(text)).toBeCloseTo(expected, 12);
    });
  }

  it('compares exactly, as the API server does', () => {
    const cmp = (a: string, b: string) => compareQuantities(parseQuantity(a)!, parseQuantity(b)!);
    expect(cmp('0.1', '100m')).toBe(0);
    expect(cmp('4', '4000m')).toBe(0);
    expect(cmp('4001m', '4')).toBe(1);
    expect(cmp('1Gi', '1G')).toBe(1);
    expect(cmp('1G', '1Gi')).toBe(-1);
    expect(cmp('8Gi', '8192Mi')).toBe(0);
    expect(cmp('1e3', '1k')).toBe(0);
    expect(cmp('3.9999999999999999', '4')).toBe(-1); // a float would call these equal
  });
});

describe('parseDuration', () => {
  const table: [string, number | undefined][] = [
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86400],
    ['1w', 604800],
    ['1h30m', 5400],
    ['', undefined],
    ['2', undefined],
    ['2 h', undefined],
    ['2hours', undefined],
    ['-1h', undefined],
    ['1.5h', undefined],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} → ${expected}`, () => expect(parseDuration(text)).toBe(expected));
  }

  it('formats for messages', () => {
    expect(formatDuration(5400)).toBe('1h 30m');
    expect(formatDuration(86400 * 31)).toBe('31d');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('globMatches', () => {
  const table: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['deploy-*', 'deploy-', true],
    ['deploy-*', 'deploy-api', true],
    ['deploy-*', 'redeploy-api', false],
    ['report-?', 'report-1', true],
    ['report-?', 'report-12', false],
    ['report-?', 'report-', false],
    ['*-nightly', 'batch-nightly', true],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'a-x-c-y-b', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a.b', 'axb', false], // no regex meaning
  ];
  for (const [glob, text, expected] of table) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(text)}`, () =>
      expect(globMatches(glob, text)).toBe(expected));
  }

  it('stays fast on patterns that make backtracking regexes slow', () => {
    const started = performance.now();
    expect(globMatches('*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('imageAllowed', () => {
  const globs = ['registry.example.com/*', 'busybox:*', 'docker.io/library/python:3.*'];
  const table: [string, boolean][] = [
    ['registry.example.com/team/app:1.2', true],
    ['busybox:1.36', true],
    ['docker.io/library/busybox:1.36', true], // the same image, spelt in full
    ['index.docker.io/library/busybox:1.36', true],
    ['python:3.12', true], // the short spelling of a full glob
    ['python:2.7', false],
    ['registry.example.com.evil.io/app:1', false],
    ['evil.io/registry.example.com/app:1', false],
    ['docker.io/evil:1', false],
    ['busybox@sha256:abc', false], // a digest is not a tag
    ['myorg/busybox:1', false],
  ];
  for (const [image, expected] of table) {
    it(`${image}: ${expected ? 'allowed' : 'refused'}`, () =>
      expect(imageAllowed(globs, image)).toBe(expected));
  }
});
