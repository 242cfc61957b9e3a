/** Small, pure formatters shared by the console's render functions. All times are shown in UTC. */
import { formatHostPort } from '../../../common/protocol/host-port.js';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Parses an ISO time to ms, or null when absent or unreadable. */
export function timeOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** `14:05 UTC` for a clock time in ms. */
export function clockUtc(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** `14:05` for a clock time in ms. */
export function hhmmUtc(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** `2026-11-25 14:07` (UTC) for a clock time in ms. */
export function dateTimeUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${hhmmUtc(ms)}`;
}

/** `59:42` for a number of whole seconds left (hours fold into minutes). */
export function mmss(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${pad2(Math.floor(s / 60))}:${pad2(s % 60)}`;
}

/** The countdown of a token living totalSeconds: `mm:ss` up to one hour, `h:mm:ss` for longer lifetimes (`23:59:59`). */
export function countdown(seconds: number, totalSeconds: number): string {
  if (totalSeconds <= 3600) return mmss(seconds);
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${mmss(s % 3600)}`;
}

/** `one hour`, `30 minutes`, `45 seconds`: a token's lifetime in words. */
export function lifetimeWords(seconds: number): string {
  if (seconds === 3600) return 'one hour';
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} seconds`;
}

/** Seconds left until expiresAt at time now, rounded up so the display reaches 00:00 exactly at expiry. */
export function secondsLeft(expiresAtMs: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAtMs - now) / 1000));
}

/** `https://10.20.0.17:8443` or `https://[fd00::17]:8443`. */
export function agentUrl(address: string, port: number): string {
  return `https://${formatHostPort(address, port)}`;
}
