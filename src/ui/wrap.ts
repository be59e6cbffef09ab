/**
 * Word wrapping for messages drawn on a terminal. Left to itself, the terminal breaks a
 * long line at its last column, in the middle of a word, an instance id or a masked key id.
 * rootlock breaks lines itself instead, only where a reader would: at spaces, and inside a
 * long JSON parameter list only after a comma (whitespace between JSON tokens is
 * insignificant, so a copied call stays valid). A single word longer than the whole width
 * (a long URL) is never cut: the terminal may wrap it, which keeps it copyable.
 *
 * Output that is not a terminal (pipes, logs, CI) is never wrapped: one message, one line.
 */

/** Display width of plain text, counted in code points (the text we wrap has no wide characters). */
export function textWidth(text: string): number {
  return [...text].length;
}

/** Splits a word longer than `width` after its commas, packing the pieces greedily. */
function splitLongWord(word: string, width: number): string[] {
  const pieces = word.split(/(?<=,)/);
  if (pieces.length === 1) return [word];
  const out: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current !== '' && textWidth(current) + textWidth(piece) > width) {
      out.push(current);
      current = piece;
    } else {
      current += piece;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Wraps one line of plain text (no line breaks, no escape sequences) to at most `width`
 * columns, except for words that are longer than `width` by themselves. Continuation lines
 * keep the line's own leading indentation; the spaces at a break are dropped; runs of
 * spaces inside a line are kept.
 */
export function wrapLine(text: string, width: number): string[] {
  if (!(width > 0) || textWidth(text) <= width) return [text];
  const lead = /^ */.exec(text)?.[0] ?? '';
  const room = Math.max(1, width - lead.length);
  const parts = text.slice(lead.length).split(/( +)/);
  const lines: string[] = [];
  let current = '';
  let pendingSpace = '';
  const flush = (): void => {
    if (current !== '') lines.push(current);
    current = '';
    pendingSpace = '';
  };
  for (const [i, part] of parts.entries()) {
    if (part === '') continue;
    if (i % 2 === 1) {
      // A run of spaces: kept only if a word follows on the same line.
      pendingSpace = part;
      continue;
    }
    const pieces = textWidth(part) > room ? splitLongWord(part, room) : [part];
    for (const piece of pieces) {
      if (current === '') {
        current = piece;
      } else if (textWidth(current) + textWidth(pendingSpace) + textWidth(piece) <= room) {
        current += pendingSpace + piece;
      } else {
        flush();
        current = piece;
      }
      pendingSpace = '';
    }
  }
  flush();
  return lines.length > 0 ? lines.map((line) => lead + line) : [text];
}
