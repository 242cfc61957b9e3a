/**
 * Makes strings that came from elsewhere (the network, the agent, files)
 * inert before they reach the terminal: control characters become visible
 * escapes and blessed tag braces are escaped, so a hostname such as
 * `\x1b]0;pwned\x07{red-fg}` is shown, never interpreted.
 */

/** Visible form of one control character: caret notation for C0/DEL, \xNN for C1. */
function visibleControl(code: number): string {
  if (code === 0x1b) return '^[';
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

// C0 (including tab and newline: one value is one line), DEL, C1, and the
// Unicode line/paragraph separators and bidi overrides that reorder text.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Any value as text: strings as they are, nothing for null, undefined and functions, objects as JSON. */
function asText(s: unknown): string {
  if (typeof s === 'string') return s;
  if (s === null || s === undefined) return '';
  if (typeof s === 'object') {
    try {
      return JSON.stringify(s);
    } catch {
      return '[object]';
    }
  }
  if (typeof s === 'number' || typeof s === 'boolean' || typeof s === 'bigint') return String(s);
  return typeof s === 'symbol' ? s.toString() : '';
}

/** Returns s with every control character shown as a visible escape and blessed tags escaped. */
export function sanitizeForTerminal(s: unknown): string {
  const text = asText(s);
  return text
    .replace(UNSAFE, (c) => {
      const code = c.charCodeAt(0);
      return code <= 0x9f ? visibleControl(code) : `\\u${code.toString(16).padStart(4, '0')}`;
    })
    .replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Like sanitizeForTerminal but without tag escaping, for text drawn with tags disabled. */
export function neutralizeControls(s: unknown): string {
  const text = asText(s);
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0x9f ? visibleControl(code) : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
