/**
 * The audit view of the full-screen vDC console, in a pseudo-terminal at
 * 80x24 with LANG=C and NO_COLOR, against a real vDC holding 450 audit
 * records (written straight through its store): opened with F3 (and `l`
 * where F-keys do not arrive), filtered after `/`, and scrolled until each
 * older page is read, one page a time.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../vdc-console/server/sqlite-store.js';
import type { PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { startConsole } from './vdc-console-support.js';

const COUNT = 450;
const BASE = Date.parse('2025-06-01T00:00:00.000Z');
/** Ctrl-U: clears the text typed. */
const CTRL_U = { raw: '\x15' };
const HOSTILE_DETAIL = 'evil\x1b[2J\x1b]0;pwned\x07{red-fg}name';

let vdc: VdcProcess;
let prog: PtyProgram | null = null;

beforeAll(async () => {
  vdc = await startVdc({ name: 'vdc-audit-view' });
  const store = openSqliteStore(path.join(vdc.stateDir, 'vdc.db'));
  try {
    for (let i = 0; i < COUNT; i++) {
      await store.appendAudit({
        at: new Date(BASE + i * 60_000).toISOString(),
        action: i % 2 ? 'node.register' : 'node.discover',
        outcome: i % 3 === 0 ? 'error' : 'ok',
        source: 'socket',
        address: `10.0.${i % 5}.1:8443`,
        hostId: `host-${i % 5}`,
        code: i % 3 === 0 ? 'HOST_UNREACHABLE' : null,
        detail: i === COUNT - 2 ? HOSTILE_DETAIL : `record ${i}`,
      });
    }
  } finally {
    await store.close();
  }
}, 120_000);

afterEach(async () => {
  await prog?.dispose();
  prog = null;
});

afterAll(async () => {
  await stopAll(vdc);
});

/** ASCII text as single typed keys. */
function typed(text: string): string[] {
  return text.split('');
}

/** The `shown/loaded` counter at the top right of the audit view. */
function counter(p: PtyProgram): { at: number; loaded: number; more: boolean } | null {
  const m = /(\d+)\/(\d+)(\+?)/.exec(p.screenText()[0] ?? '');
  return m ? { at: Number(m[1]), loaded: Number(m[2]), more: m[3] === '+' } : null;
}

describe('the audit view', () => {
  it('opens from the dashboard with F3, one page of records, ASCII only, hostile text shown inert', async () => {
    const p = (prog = startConsole(vdc, { cols: 80, rows: 24, lang: 'C', noColor: true, term: 'vt100' }));
    await p.waitForText(/Audit/);
    await p.waitForSettled();
    p.press('F3');
    await p.waitForSettled();
    const screen = p.screenText();
    expect(screen.length).toBe(24);
    expect(screen[0]).toMatch(/^\+ Audit -+ 1\/100\+ -*\+$/);
    expect(screen[1]).toMatch(/TIME \(UTC\) +ACTION +RESULT +HOST +DETAIL/);
    // Newest first: the last record written, then the hostile one, its escapes shown as text.
    expect(screen[2]).toMatch(/06-01 07:29:00 +node\.register +ok +10\.0\.4\.1:8443 +record 449/);
    expect(screen[3]).toMatch(/10\.0\.3\.1:8443 +evil\^\[\[2J\^\[\]0;pwn\.\.\./);
    expect(p.output().includes('\x1b]0;pwned')).toBe(false);
    for (const line of screen) expect(line).toMatch(/^[\x20-\x7e]*$/);
    expect(p.screen()).toContain('More below: older records load as you scroll.');
    expect(screen[23 - 1]).toMatch(/Filter/);
    // Enter shows the selected record whole; Esc closes it, Esc again goes back.
    p.press('Enter');
    await p.waitForText('Audit record');
    expect(p.screen()).toMatch(/Detail +record 449/);
    p.press('Esc');
    await p.waitForNoText('Audit record');
    p.press('Esc');
    await p.waitForText(/Hosts/);
    // `l` opens it too, and Esc then 3, for terminals whose F-keys do not arrive.
    p.press('l');
    await p.waitForSettled();
    expect(p.screenText()[0]).toMatch(/ Audit /);
    p.press('Esc');
    await p.waitForText(/Hosts/);
    p.press({ raw: '\x1b3' });
    await p.waitForSettled();
    expect(p.screenText()[0]).toMatch(/ Audit /);
  });

  it('filters after / and scrolls to read each older page on demand', async () => {
    const p = (prog = startConsole(vdc, { cols: 80, rows: 24, lang: 'C', noColor: true, term: 'xterm' }));
    await p.waitForSettled();
    p.press('l');
    await p.waitForSettled();
    expect(counter(p)).toEqual({ at: 1, loaded: 100, more: true });

    // A bad filter is said and stays open to fix; nothing is read.
    p.press('/', ...typed('since=yesterday'));
    await p.waitForSettled();
    p.press('Enter');
    await p.waitForText(/since: "yesterday" is not a span/);
    p.press(CTRL_U, ...typed('host-2 error'));
    await p.waitForSettled();
    p.press('Enter');
    await p.waitForSettled();
    const filtered = p.screenText();
    expect(filtered[0]).toMatch(/filter: host-2 error/);
    // host-2 and error: i % 15 == 12, 30 records, all in the first page.
    expect(counter(p)).toEqual({ at: 1, loaded: 30, more: false });
    const rows = filtered.slice(2, 20).filter((l) => /^\| ?[> ]?\d\d-\d\d /.test(l));
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(r).toMatch(/ error +10\.0\.2\.1:8443 +HOST_UNREACHABLE/);

    // Errors only: 150 records, read a page of 100 at a time as the selection nears the end.
    p.press('/', CTRL_U, ...typed('error'));
    await p.waitForSettled();
    p.press('Enter');
    await p.waitForSettled();
    expect(counter(p)).toEqual({ at: 1, loaded: 100, more: true });
    p.press('PageDown');
    await p.waitForSettled();
    expect(counter(p)?.loaded).toBe(100);
    p.press('G');
    await p.waitForSettled();
    expect(counter(p)).toEqual({ at: 100, loaded: 150, more: false });
    p.press('G');
    await p.waitForSettled();
    expect(counter(p)).toEqual({ at: 150, loaded: 150, more: false });
    expect(p.screen()).toContain('start of the audit for this filter');
    // The oldest error is record 0.
    expect(p.screen()).toMatch(/06-01 00:00:00 +node\.discover +error +10\.0\.0\.1:8443 +HOST_UNREACHABLE/);

    // Esc on the filter clears it and reads the newest page again.
    p.press('/');
    await p.waitForSettled();
    p.press('Esc');
    await p.waitForSettled();
    expect(counter(p)).toEqual({ at: 1, loaded: 100, more: true });
  });
});
