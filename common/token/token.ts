/**
 * Registration token codec: Crockford base32, 11 random symbols plus one
 * check symbol over GF(32), shown as QUANTIX-XXXX-XXXX-XXXX.
 *
 * Pure: randomness is passed in, nothing here reads a clock or does I/O.
 */

/** Crockford base32 alphabet (no I, L, O, U). */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Number of symbols in a canonical token (11 random + 1 check). */
export const TOKEN_SYMBOLS = 12;

/** Number of random symbols; 11 × 5 = 55 bits of entropy. */
export const RANDOM_SYMBOLS = 11;

/** Prefix of the display form. */
export const TOKEN_PREFIX = 'QUANTIX';

const VALUE = new Map<string, number>(Array.from(ALPHABET, (c, i) => [c, i]));

// GF(2^5) with the primitive polynomial x^5 + x^2 + 1.
const EXP: number[] = [];
const LOG = new Array<number>(32).fill(0);
{
  let x = 1;
  for (let i = 0; i < 31; i++) {
    EXP.push(x);
    LOG[x] = i;
    x <<= 1;
    if (x & 0x20) x ^= 0x25;
  }
}

function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a]! + LOG[b]!) % 31]!;
}

/**
 * Check symbol value for the first 11 symbol values: Σ α^(i+1)·s_i over GF(32).
 * Every weight differs from its neighbours and from the check's own weight
 * (1), so any single substitution and any swap of two different neighbouring
 * symbols changes the sum.
 */
function checkValue(values: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < RANDOM_SYMBOLS; i++) sum ^= gfMul(EXP[(i + 1) % 31]!, values[i]!);
  return sum;
}

/** Builds a canonical token (12 symbols) from at least 7 random bytes. */
export function tokenFromRandom(random: Uint8Array): string {
  if (random.length < 7) throw new RangeError('need at least 7 random bytes (55 bits)');
  // Take 55 bits from the first 7 bytes, 5 bits per symbol.
  let bits = 0n;
  for (let i = 0; i < 7; i++) bits = (bits << 8n) | BigInt(random[i]!);
  const values: number[] = [];
  for (let i = 0; i < RANDOM_SYMBOLS; i++) values.push(Number((bits >> BigInt(5 * i)) & 31n));
  values.push(checkValue(values));
  return values.map((v) => ALPHABET[v]).join('');
}

/** Display form of a canonical token: QUANTIX-XXXX-XXXX-XXXX. */
export function formatToken(canonical: string): string {
  return `${TOKEN_PREFIX}-${canonical.slice(0, 4)}-${canonical.slice(4, 8)}-${canonical.slice(8, 12)}`;
}

/** Why a typed token was not accepted. */
export type TokenProblem =
  | { kind: 'empty' }
  | { kind: 'symbol'; position: number; char: string }
  | { kind: 'short'; symbols: number }
  | { kind: 'long'; symbols: number }
  | { kind: 'check' };

/** Outcome of parsing what a person typed. */
export type TokenParse = { ok: true; canonical: string } | { ok: false; problem: TokenProblem };

/**
 * Reduces input to its symbols: upper case, spaces and dashes dropped,
 * optional QUANTIX prefix dropped, O→0 and I/L→1. Unknown characters are
 * kept so the caller can point at them.
 */
export function normalizeTokenInput(input: string): string {
  let s = input.toUpperCase().replace(/[\s\-_.]/g, '');
  if (s.startsWith(TOKEN_PREFIX)) s = s.slice(TOKEN_PREFIX.length);
  return s.replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** Parses a typed token in any accepted form and checks its check symbol. */
export function parseToken(input: string): TokenParse {
  const s = normalizeTokenInput(input);
  if (s.length === 0) return { ok: false, problem: { kind: 'empty' } };
  for (let i = 0; i < s.length; i++) {
    if (!VALUE.has(s[i]!)) return { ok: false, problem: { kind: 'symbol', position: i + 1, char: s[i]! } };
  }
  if (s.length < TOKEN_SYMBOLS) return { ok: false, problem: { kind: 'short', symbols: s.length } };
  if (s.length > TOKEN_SYMBOLS) return { ok: false, problem: { kind: 'long', symbols: s.length } };
  const values = Array.from(s, (c) => VALUE.get(c)!);
  if (checkValue(values) !== values[RANDOM_SYMBOLS]) return { ok: false, problem: { kind: 'check' } };
  return { ok: true, canonical: s };
}

/**
 * Reduces input to canonical symbols without verifying the check symbol
 * (used where a key must be derived from any well-shaped token, e.g. the
 * published protocol vectors). Returns null when the shape is wrong.
 */
export function canonicalizeToken(input: string): string | null {
  const s = normalizeTokenInput(input);
  if (s.length !== TOKEN_SYMBOLS) return null;
  for (const c of s) if (!VALUE.has(c)) return null;
  return s;
}

/** One-line explanation of a token problem, for forms and CLI errors. */
export function describeTokenProblem(problem: TokenProblem): string {
  switch (problem.kind) {
    case 'empty':
      return 'enter the token shown on the host console (F4)';
    case 'symbol':
      return `symbol ${problem.position} ('${problem.char}') is not used in tokens`;
    case 'short':
      return `${problem.symbols} of 12 symbols`;
    case 'long':
      return `too long: ${problem.symbols} symbols, a token has 12`;
    case 'check':
      return 'a symbol looks mistyped: compare it with the host screen';
  }
}

/**
 * Formats partial input as the person types: upper case, grouped as
 * QUANTIX-XXXX-XXXX-XXXX. Only layout changes; invalid characters stay
 * visible so the problem can be pointed at.
 */
export function groupTokenInput(input: string): string {
  const s = normalizeTokenInput(input);
  if (s.length === 0) return '';
  const groups = s.match(/.{1,4}/g) ?? [];
  return `${TOKEN_PREFIX}-${groups.join('-')}`;
}
