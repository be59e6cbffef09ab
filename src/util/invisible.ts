/**
 * Characters that print nothing, yet make two texts differ: `admin` and `ad\u200Bmin` look the
 * same on a screen, and tag characters (U+E0000–U+E007F) can spell out a whole hidden sentence.
 * Shared by the terminal escaping in ./text.ts and the JSON escaping in ./json.ts.
 */

/**
 * The invisible characters:
 * - every format character (Unicode category Cf): the zero-width space, non-joiner and joiner
 *   (U+200B–U+200D), the bidi marks, embeddings, overrides and isolates, the word joiner and
 *   invisible operators (U+2060–U+2064), the byte order mark U+FEFF, the soft hyphen U+00AD, the
 *   Mongolian vowel separator U+180E, the interlinear annotation marks, the tag characters;
 * - the combining grapheme joiner U+034F and the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0),
 *   which draw as nothing or as a blank;
 * - the variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF), invisible after a character that
 *   has no variant, and a known way to smuggle data.
 *
 * The combining marks (U+034F, the selectors) stand alone, outside a class with other characters.
 */
export const INVISIBLE = /\p{Cf}|[\u115f\u1160\u3164\uffa0]|\u034f|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]/u;

const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const EMOJI_MODIFIER = /\p{Emoji_Modifier}/u;
const KEYCAP_BASE = /^[0-9#*]$/;

/**
 * Whether the invisible character at `chars[i]` belongs to an emoji, where it changes what is
 * drawn and so hides nothing: a zero-width joiner between two pictographs (👩‍💻), and the text or
 * emoji presentation selector (U+FE0E, U+FE0F) right after a pictograph (❤️) or in a keycap
 * (1️⃣). `chars` holds one code point per element.
 */
export function partOfEmoji(chars: readonly string[], i: number): boolean {
  const char = chars[i];
  const prev = chars[i - 1];
  const next = chars[i + 1];
  if (prev === undefined) return false;
  if (char === '\u200d') {
    const joinsFrom = PICTOGRAPH.test(prev) || EMOJI_MODIFIER.test(prev) || prev === '\ufe0f';
    return joinsFrom && next !== undefined && PICTOGRAPH.test(next);
  }
  if (char === '\ufe0e' || char === '\ufe0f') {
    return PICTOGRAPH.test(prev) || (KEYCAP_BASE.test(prev) && next === '\u20e3');
  }
  return false;
}
