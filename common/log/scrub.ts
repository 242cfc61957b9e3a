/**
 * Keeping secrets out of log lines, for every logger of the suite. Secrets
 * are censored by key and by value: any field named like a secret is
 * censored, and any string that contains something shaped like a
 * registration token or an API token is censored too, so a mistake
 * elsewhere cannot put a secret in a log line.
 */
/** Keys whose values are never logged. */
export const REDACT_PATHS = [
  'token',
  'apiToken',
  'authorization',
  'password',
  'key',
  'secret',
  'mac',
  '*.token',
  '*.apiToken',
  '*.authorization',
  '*.password',
  '*.key',
  '*.secret',
  '*.mac',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

// Display-form registration tokens and API tokens are recognisable by shape.
const TOKEN_SHAPES = /quantix[\s-]*(?:[0-9a-z]{4}[\s-]?){2}[0-9a-z]{4}|qxa_[A-Za-z0-9_-]{16,}/gi;

const liveSecrets = new Map<string, RegExp>();

function symbolClass(c: string): string {
  if (c === '0') return '[0oO]';
  if (c === '1') return '[1iIlL]';
  return c;
}

/**
 * Registers a canonical registration token so that every accepted input form
 * of it (any case, spaces or dashes anywhere, O for 0, I/L for 1) is censored
 * wherever it appears in a log line, even without the QUANTIX prefix.
 */
export function registerSecret(canonical: string): void {
  if (liveSecrets.has(canonical)) return;
  const body = Array.from(canonical, symbolClass).join('[\\s-]*');
  liveSecrets.set(canonical, new RegExp(`(?:quantix[\\s-]*)?${body}`, 'gi'));
}

/** Forgets a registered secret once it can no longer be used. */
export function forgetSecret(canonical: string): void {
  liveSecrets.delete(canonical);
}

/** Censors registered secrets and token-shaped strings in a string. */
export function scrubSecrets(s: string): string {
  let out = s.replace(TOKEN_SHAPES, '[REDACTED]');
  for (const re of liveSecrets.values()) out = out.replace(re, '[REDACTED]');
  return out;
}

/** A copy of a value to log with every string scrubbed; an Error becomes its type and message. */
export function scrubValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubSecrets(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, depth + 1));
  if (v instanceof Error) return { type: v.name, message: scrubSecrets(v.message) };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrubValue(x, depth + 1);
  return out;
}
