/**
 * The audit view's data: the records loaded so far (newest first), the
 * cursor of the next older page, the applied filter and the one being
 * typed, and the selection. The newest page is read when the view opens
 * (or the filter changes, or on `r`); an older page only when the
 * selection comes near the end of what is loaded, so a year of audit is
 * read only as far as someone scrolls. An answer to a request made before
 * the filter changed is dropped.
 */
import { parseWhen } from '../../../common/format/when.js';
import {
  AUDIT_ACTION_PATTERN,
  type AuditEvent,
  type AuditListResponse,
  type AuditQuery,
} from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';

/** Records one request asks for. */
export const AUDIT_VIEW_PAGE = 100;

/** Records the view holds at most; past them a filter reaches older ones. */
export const AUDIT_VIEW_MAX = 10_000;

/** What the view needs from the vDC. */
export interface AuditSource {
  auditPage(query: AuditQuery): Promise<AuditListResponse>;
}

/** Filter words: `key=value` for since, until, host, action, outcome; or a bare word. */
const FILTER_KEYS = ['since', 'until', 'host', 'action', 'outcome'] as const;

/**
 * Reads the filter typed in the view: `since=2h until=… host=H action=A
 * outcome=ok|error`, or bare words: `ok`/`error` (outcome), a dotted action
 * name (`node.register`), a span (`2h`: since), anything else a host.
 * Returns the query, or the problem in words.
 */
export function parseAuditFilter(
  text: string,
  now: number,
): { query: Omit<AuditQuery, 'limit'> } | { problem: string } {
  const query: Omit<AuditQuery, 'limit'> = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    let key = eq > 0 ? word.slice(0, eq).toLowerCase() : '';
    const value = eq > 0 ? word.slice(eq + 1) : word;
    if (eq > 0 && !(FILTER_KEYS as readonly string[]).includes(key))
      return { problem: `Unknown filter "${key.slice(0, 20)}": use ${FILTER_KEYS.join('=, ')}=.` };
    if (!key) {
      if (value === 'ok' || value === 'error') key = 'outcome';
      else if (/^[0-9]{1,6}[smhdw]$/.test(value)) key = 'since';
      else if (value.includes('.') && AUDIT_ACTION_PATTERN.test(value) && !/^[0-9.]+$/.test(value)) key = 'action';
      else key = 'host';
    }
    if (value === '') return { problem: `${key}= needs a value.` };
    if (key === 'since' || key === 'until') {
      const t = parseWhen(value, now);
      if (t === null) return { problem: `${key}: "${value.slice(0, 30)}" is not a span (15m, 2h, 7d) or an ISO time.` };
      query[key] = new Date(t).toISOString();
    } else if (key === 'outcome') {
      if (value !== 'ok' && value !== 'error') return { problem: 'outcome is ok or error.' };
      query.outcome = value;
    } else if (key === 'action') {
      if (!AUDIT_ACTION_PATTERN.test(value)) return { problem: `"${value.slice(0, 30)}" is not an action name.` };
      query.action = value;
    } else if (value.length > 255) return { problem: 'A host is at most 255 characters.' };
    else query.host = value;
  }
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until)
    return { problem: 'since is not before until.' };
  return { query };
}

/** The audit view's state and requests. */
export class AuditBrowser {
  events: AuditEvent[] = [];
  /** Cursor of the next older page; null when everything matching is loaded. */
  next: number | null = null;
  loading = false;
  /** The first page of the current filter has answered. */
  loaded = false;
  /** The filter applied. */
  filter = '';
  /** The filter being typed after `/`, or null. */
  draft: string | null = null;
  cursor = { index: 0, offset: 0 };
  private query: Omit<AuditQuery, 'limit'> = {};
  /** Bumped by every new first page: answers of an older one are dropped. */
  private generation = 0;

  constructor(
    private readonly o: {
      api: AuditSource;
      flash: Pick<FlashModel, 'error' | 'show'>;
      now: () => number;
      changed: () => void;
    },
  ) {}

  /** Reads the newest page of the current filter again, from the top. */
  async reload(): Promise<void> {
    this.generation++;
    this.events = [];
    this.next = null;
    this.loaded = false;
    this.loading = false;
    this.cursor = { index: 0, offset: 0 };
    await this.load();
  }

  /** The view holds as many records as it may: older ones are reached with a filter. */
  full(): boolean {
    return this.events.length >= AUDIT_VIEW_MAX;
  }

  /** Reads the next older page, unless one is under way, there is none, or the view is full. */
  async loadOlder(): Promise<void> {
    if (this.loading || !this.loaded || this.next === null || this.full()) return;
    await this.load();
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    this.loading = true;
    this.o.changed();
    try {
      const page = await this.o.api.auditPage({
        ...this.query,
        limit: AUDIT_VIEW_PAGE,
        ...(this.next !== null ? { beforeId: this.next } : {}),
      });
      if (generation !== this.generation) return;
      this.events = [...this.events, ...page.events];
      this.next = page.events.length > 0 ? (page.next ?? null) : null;
      this.loaded = true;
    } catch (err) {
      if (generation !== this.generation) return;
      this.o.flash.error(err);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.o.changed();
      }
    }
  }

  /** Moves the selection; near the end of what is loaded (within `ahead` rows), the older page is read. */
  move(delta: number, ahead: number): void {
    const last = Math.max(0, this.events.length - 1);
    const to = Number.isFinite(delta) ? this.cursor.index + delta : delta > 0 ? last : 0;
    this.cursor = { ...this.cursor, index: Math.max(0, Math.min(last, to)) };
    this.o.changed();
    if (this.cursor.index >= this.events.length - 1 - ahead) void this.loadOlder();
  }

  setOffset(offset: number): void {
    this.cursor = { ...this.cursor, offset };
  }

  selected(): AuditEvent | null {
    return this.events[this.cursor.index] ?? null;
  }

  /** `/`: starts typing a filter, from the one applied. */
  editFilter(): void {
    this.draft = this.filter;
    this.o.changed();
  }

  type(text: string): void {
    if (this.draft === null) return;
    this.draft = `${this.draft}${text}`.slice(0, 300);
    this.o.changed();
  }

  erase(all = false): void {
    if (this.draft === null) return;
    this.draft = all ? '' : Array.from(this.draft).slice(0, -1).join('');
    this.o.changed();
  }

  /** Enter: applies the typed filter (a bad one is said and stays open to fix). */
  async applyFilter(): Promise<void> {
    const text = this.draft ?? this.filter;
    const r = parseAuditFilter(text, this.o.now());
    if ('problem' in r) {
      this.o.flash.show('warn', r.problem);
      return;
    }
    this.draft = null;
    this.filter = text.trim();
    this.query = r.query;
    await this.reload();
  }

  /** Esc: stops typing and clears the filter. */
  async clearFilter(): Promise<void> {
    const had = this.filter !== '';
    this.draft = null;
    this.filter = '';
    this.query = {};
    if (had) await this.reload();
    else this.o.changed();
  }
}
