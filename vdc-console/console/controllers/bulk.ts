/**
 * The console's bulk add: loads a private host list, discovers every host
 * (a few at a time) while the bulk screen shows them arriving, registers
 * the ready ones on one confirmation and keeps the report on screen until
 * it is closed. Each phase is counted as work in progress, so the screen
 * is known to be settled only once its answers are drawn.
 */
import os from 'node:os';
import path from 'node:path';
import { readPrivateFile } from '../../../common/cli/private-file.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import type { BusyTracker } from '../../../common/tui/idle.js';
import { BULK_FILE, BulkRun, parseBulkFile, type BulkApi } from '../bulk.js';
import type { DashboardModel } from '../model.js';
import type { Store } from '../state.js';

/** Where the bulk add stands: hosts being discovered, reviewed, added, or the report. */
export type BulkPhase = 'discovering' | 'review' | 'registering' | 'report';

/** What the bulk screen draws. */
export interface BulkView {
  /** The file as typed. */
  file: string;
  phase: BulkPhase;
  run: BulkRun;
  /** Selected row and the table's scroll offset. */
  cursor: number;
  offset: number;
}

/** The bulk add's controller. */
export interface BulkController {
  view(): BulkView | null;
  /** Reads the file (refused unless private), opens the bulk screen and starts discovering. */
  load(file: string): void;
  /** Adds the ready hosts. */
  confirm(): void;
  /** Leaves the bulk screen, abandoning discoveries under way. */
  close(): void;
  move(delta: number): void;
  setOffset(offset: number): void;
  /** True while hosts are being added (quitting asks first). */
  underWay(): boolean;
  dispose(): void;
}

/** `~/list.csv` as the shell would read it; other paths as typed, relative to the console's directory. */
export function expandHome(file: string, home = os.homedir()): string {
  return file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
}

export function createBulkController(d: {
  api: BulkApi;
  busy: Pick<BusyTracker, 'track'>;
  store: Store;
  model: DashboardModel;
  flash: FlashModel;
  redraw: () => void;
  uid: number;
}): BulkController {
  let view: BulkView | null = null;
  let abort: AbortController | null = null;

  const finish = (v: BulkView, phase: BulkPhase) => (err: unknown) => {
    if (err !== undefined) d.flash.error(err);
    if (view === v) v.phase = phase;
    d.redraw();
  };

  return {
    view: () => view,
    load(file) {
      const text = readPrivateFile(expandHome(file.trim()), d.uid, BULK_FILE);
      const parsed = parseBulkFile(text);
      abort = new AbortController();
      const signal = abort.signal;
      const run = new BulkRun(d.api, parsed, { onChange: d.redraw });
      const v: BulkView = { file: file.trim(), phase: 'discovering', run, cursor: 0, offset: 0 };
      view = v;
      d.store.dispatch({ type: 'openBulk' });
      const done = finish(v, 'review');
      void d.busy.track(v.run.discoverAll(signal)).then(() => done(undefined), done);
    },
    confirm() {
      const v = view;
      if (!v || v.phase !== 'review') return;
      v.phase = 'registering';
      d.redraw();
      const done = finish(v, 'report');
      void d.busy.track(v.run.registerAll().then(() => d.model.refresh())).then(() => done(undefined), done);
    },
    close() {
      abort?.abort();
      abort = null;
      view = null;
      d.store.dispatch({ type: 'closeBulk' });
    },
    move(delta) {
      if (!view) return;
      const last = view.run.hosts.length - 1;
      view.cursor = Math.max(0, Math.min(last, Number.isFinite(delta) ? view.cursor + delta : delta > 0 ? last : 0));
      d.redraw();
    },
    setOffset(offset) {
      if (view) view.offset = offset;
    },
    underWay: () => view?.phase === 'registering',
    dispose() {
      abort?.abort();
    },
  };
}
