// A tune's title as each output format needs it: pure functions, one per format, so that every writer (kern,
// the score's SVG, MIDI, and the ABC and MusicXML writers) shows what the user typed and nothing else.

// Built from code points: eslint's no-control-regex forbids them written in a regular expression literal.
const C0_CONTROLS = new RegExp(`[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(14)}-${String.fromCharCode(31)}${String.fromCharCode(127)}]`, 'g');

/** One line of text: line breaks and tabs become spaces, other C0 control characters go; trimmed. */
export function singleLineText(text: string): string {
  return text
    .replace(/[\t\r\n\v\f\u2028\u2029]+/g, ' ')
    // C0 controls only: C1 code points (U+0080-U+009F) are what latin-1 files decode odd bytes to, kept as read.
    .replace(C0_CONTROLS, '')
    .trim();
}

/** A title for a kern reference record (`!!!OTL: ...`): one line (a tab would start a second spine). */
export function kernTitle(title: string): string {
  return singleLineText(title);
}

/** Text for XML character data or an attribute value (SVG, MusicXML): & < > " ' as entities. */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * A title for an ABC `T:` field: one line; `\` and `%` (ABC's escape and comment characters) escaped, so that
 * "100% Reel" is not cut at the %.
 */
export function abcTitle(title: string): string {
  return singleLineText(title).replace(/\\/g, '\\\\').replace(/%/g, '\\%');
}

/**
 * Text for a MIDI meta event (track name) as @tonejs/midi writes it, one byte per character: the UTF-8 bytes
 * of the text, so that an em dash is E2 80 94 and not the byte 0x14 (its code point's low byte).
 */
export function midiText(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(singleLineText(text)));
}

/**
 * A rough width of `text` in widths of an average lowercase letter of a serif face: narrow letters and spaces
 * count 0.55, capitals 1.35, M, W, m, w and wide (CJK, emoji) characters 1.6. Good enough to keep a title on
 * the page without measuring glyphs.
 */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (/[MWmw@%]/.test(char) || /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{Extended_Pictographic}]/u.test(char)) width += 1.6;
    else if (/[ iljtfr.,;:'!|()[\]]/.test(char)) width += 0.55;
    else if (/\p{Lu}/u.test(char)) width += 1.35;
    else width += 1;
  }
  return width;
}

/**
 * At most `maxWidth` wide (textWidth): a longer title is cut at a word boundary (or mid-word when there is none
 * in its second half) and ends with an ellipsis.
 */
export function shortenTitle(title: string, maxWidth: number): string {
  const text = singleLineText(title);
  if (textWidth(text) <= maxWidth) return text;
  let head = '';
  for (const char of text) {
    if (textWidth(head + char) > maxWidth - 1) break;
    head += char;
  }
  const space = head.lastIndexOf(' ');
  const cut = space >= head.length / 2 ? head.slice(0, space) : head;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
