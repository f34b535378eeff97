import { describe, expect, it } from 'vitest';
import { splitWords, UnterminatedQuoteError } from '../../src/domain/args.js';
import { closest } from '../../src/domain/closest.js';

describe('splitWords', () => {
  it.each([
    ['', []],
    ['  help  ', ['help']],
    ['run pi image=perl:5.36 parallelism=2', ['run', 'pi', 'image=perl:5.36', 'parallelism=2']],
    ['run pi args="-wle print 1"', ['run', 'pi', 'args=-wle print 1']],
    ["run pi args='a b'", ['run', 'pi', 'args=a b']],
    ['run pi args=“-wle print 1”', ['run', 'pi', 'args=-wle print 1']],
    ['run pi env.GREETING=‘hi there’', ['run', 'pi', 'env.GREETING=hi there']],
    ['say a\\ b ""', ['say', 'a b', '']],
  ])('%j', (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitWords('run pi args="oops')).toThrow(UnterminatedQuoteError);
  });
});

describe('closest', () => {
  const subcommands = ['help', 'new', 'list', 'run', 'show', 'history', 'cancel'];
  it.each([
    ['hlep', 'help'],
    ['lsit', 'list'],
    ['histroy', 'history'],
    ['canc', 'cancel'],
    ['xyzzy', undefined],
  ])('%s -> %s', (typed, expected) => {
    expect(closest(typed, subcommands)).toBe(expected);
  });
});
