/**
 * Splitting a slash command's text into words the way a shell user expects: whitespace separates,
 * double or single quotes group (`args="-wle print 1"` is one word `args=-wle print 1`), and a
 * backslash escapes the next character. Slack clients often turn typed quotes into typographic ones
 * (“ ” ‘ ’), so those count as quotes too.
 */
export class UnterminatedQuoteError extends Error {
  constructor(readonly quote: string) {
    super(`a ${quote} quote is not closed`);
  }
}

const OPEN_TO_CLOSE: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’' };

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let closing: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (closing !== undefined) {
      if (ch === closing || (closing === '"' && ch === '”') || (closing === '”' && ch === '"'))
        closing = undefined;
      else current += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (OPEN_TO_CLOSE[ch] !== undefined) {
      closing = OPEN_TO_CLOSE[ch];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (closing !== undefined) throw new UnterminatedQuoteError(closing);
  if (inWord) words.push(current);
  return words;
}
