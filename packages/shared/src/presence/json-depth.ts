/**
 * The deepest nesting of arrays and objects in a JSON text, counted outside string literals. A cheap scan
 * run before JSON.parse: JSON.stringify recurses, so a state nested thousands deep could be parsed once but
 * never encoded again for a relay or a joiner (S6).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
