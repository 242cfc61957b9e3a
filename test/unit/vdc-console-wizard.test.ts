import { describe, expect, it } from 'vitest';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import {
  checkAddress,
  checkNewClusterName,
  checkToken,
  clusterTarget,
  formProblems,
  initialWizard,
  tokenDisplay,
  wizardReducer,
  wizardUnderWay,
  type ClusterChoice,
  type WizardAction,
  type WizardState,
} from '../../vdc-console/console/wizard.js';

const TOKEN = tokenFromRandom(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
// The same token with its 7th symbol replaced by another valid symbol: the check symbol catches it.
const TYPO = TOKEN.slice(0, 6) + (TOKEN[6] === 'A' ? 'B' : 'A') + TOKEN.slice(7);
const CLUSTERS: ClusterChoice[] = [
  { id: 'c1', name: 'Production', hosts: 8 },
  { id: 'c2', name: 'Staging', hosts: 4 },
];

type S = WizardState<{ id: string }, { id: string }>;
type A = WizardAction<{ id: string }, { id: string }>;

function run(s: S, ...actions: A[]): S {
  return actions.reduce((acc, a) => wizardReducer(acc, a), s);
}
const fresh = (clusters = CLUSTERS): S => initialWizard(clusters);
const filled = (): S => ({ ...fresh(), address: '10.20.0.17', tokenTyped: formatToken(TOKEN) });
const connecting = (): S => run(filled(), { type: 'submit' });
const discovered = (): S => run(connecting(), { type: 'discovered', requestId: 1, result: { id: 'd1' } });
const confirming = (): S => run(discovered(), { type: 'next' });
const failedWith = (code: string): S =>
  run(connecting(), { type: 'failed', requestId: 1, error: { code, message: 'm', hint: 'h', phase: 'verify' } });

describe('token field', () => {
  it.each<[string, string, string]>([
    // Lower case is upper-cased and grouped as it is typed.
    ['7k3m9', 'QUANTIX-7K3M-9', 'partial'],
    // The literal prefix being typed is shown as typed, not read as symbols.
    ['qua', 'QUA', 'partial'],
    // The full display form with dashes keeps its shape.
    [formatToken(TOKEN), formatToken(TOKEN), 'ok'],
    // Spaces and no prefix are fine.
    [`${TOKEN.slice(0, 4)} ${TOKEN.slice(4, 8)} ${TOKEN.slice(8)}`, formatToken(TOKEN), 'ok'],
    // A mistyped symbol is flagged as soon as all 12 are there.
    [TYPO, formatToken(TYPO), 'problem'],
    // U is never used in tokens: flagged at once, before 12 symbols.
    ['7K3U', 'QUANTIX-7K3U', 'problem'],
    // Thirteen symbols is too long.
    [`${TOKEN}7`, `QUANTIX-${TOKEN.slice(0, 4)}-${TOKEN.slice(4, 8)}-${TOKEN.slice(8)}-7`, 'problem'],
    // Nothing typed.
    ['', '', 'empty'],
  ])('%s shows as %s (%s)', (typed, shown, kind) => {
    expect(tokenDisplay(typed)).toBe(shown);
    expect(checkToken(typed).kind).toBe(kind);
  });

  it('typing the display form key by key ends well formed', () => {
    const s = Array.from(formatToken(TOKEN).toLowerCase()).reduce<S>(
      (acc, ch) => wizardReducer(acc, { type: 'type', text: ch }),
      { ...fresh(), focus: 'token' },
    );
    expect(tokenDisplay(s.tokenTyped)).toBe(formatToken(TOKEN));
    expect(checkToken(s.tokenTyped)).toEqual({ kind: 'ok', canonical: TOKEN });
  });

  it('the typo message says a symbol looks mistyped', () => {
    const c = checkToken(TYPO);
    expect(c.kind === 'problem' && c.message).toMatch(/mistyped/);
  });

  it.each<[string, string]>([
    // Backspace removes one symbol, and the separator before it goes too.
    [`QUANTIX-${TOKEN.slice(0, 5)}`, `QUANTIX-${TOKEN.slice(0, 4)}`],
    // A trailing typed dash goes with the symbol before it.
    [`${TOKEN.slice(0, 4)}-`, TOKEN.slice(0, 3)],
    // Erasing the last symbol empties the field.
    ['7', ''],
  ])('erase on %s leaves %s', (typed, left) => {
    const s = run({ ...fresh(), focus: 'token', tokenTyped: typed }, { type: 'erase' });
    expect(s.tokenTyped).toBe(left);
  });
});

describe('address and cluster checks', () => {
  it.each<[string, boolean]>([
    // IPv4, names, ports and bracketed IPv6 are accepted.
    ['10.20.0.17', true],
    ['qx-node-07.lab.local', true],
    ['10.20.0.17:9443', true],
    ['[fd00:20::17]:8443', true],
    ['fd00:20::17', true],
    // Empty, spaces, URLs, bad ports and brackets around IPv4 are refused.
    ['', false],
    ['10.20.0.17 x', false],
    ['https://10.20.0.17', true],
    ['http://10.20.0.17', false],
    ['10.20.0.17/path', false],
    ['10.20.0.17:99999', false],
    ['host:port', false],
    ['[10.0.0.1]', false],
    ['-bad-', false],
    ['10.0.0.1\x1b[31m', false],
  ])('%s valid=%s', (address, ok) => expect(checkAddress(address) === null).toBe(ok));

  it.each<[string, boolean]>([
    // A new name is fine; blank, duplicate (any case) and overlong ones are not.
    ['Edge', true],
    ['  ', false],
    ['production', false],
    ['x'.repeat(64), false],
    ['has space', false],
  ])('new cluster %s valid=%s', (name, ok) => expect(checkNewClusterName(name, CLUSTERS) === null).toBe(ok));
});

describe('wizard reducer: input', () => {
  it('opens on the form with the address focused and the first cluster chosen', () => {
    const s = fresh();
    expect(s.step).toBe('input');
    expect(s.focus).toBe('address');
    expect(clusterTarget(s)).toEqual({ kind: 'existing', id: 'c1', name: 'Production' });
  });

  it('with no cluster at all, "+ New cluster…" is chosen', () => {
    const s = fresh([]);
    expect(clusterTarget(s)).toEqual({ kind: 'new', name: '' });
  });

  it.each<[string, S, A, Partial<S>]>([
    // Typing goes to the focused field.
    ['type into address', fresh(), { type: 'type', text: '10.0' }, { address: '10.0' }],
    // Control characters typed or pasted are dropped.
    ['controls dropped', fresh(), { type: 'type', text: 'a\x1b[31mb' }, { address: 'a[31mb' }],
    // Backspace on address removes one character.
    ['erase address', { ...fresh(), address: '10.0' }, { type: 'erase' }, { address: '10.' }],
    // Ctrl-U empties the focused field.
    ['clear field', { ...fresh(), address: '10.0' }, { type: 'clearField' }, { address: '' }],
    // Tab walks address → token → cluster → address when an existing cluster is chosen.
    ['tab from address', fresh(), { type: 'focusNext' }, { focus: 'token' }],
    ['tab wraps', { ...fresh(), focus: 'cluster' }, { type: 'focusNext' }, { focus: 'address' }],
    ['shift-tab wraps back', fresh(), { type: 'focusPrev' }, { focus: 'cluster' }],
    // With "+ New cluster…" chosen the name field joins the order.
    [
      'tab reaches new name',
      { ...fresh(), focus: 'cluster', clusterIndex: 2 },
      { type: 'focusNext' },
      { focus: 'newCluster' },
    ],
    // The cluster list stops at its ends ("+ New cluster…" is the last entry).
    [
      'down to new',
      { ...fresh(), focus: 'cluster', clusterIndex: 1 },
      { type: 'moveCluster', delta: 1 },
      { clusterIndex: 2 },
    ],
    [
      'down stops',
      { ...fresh(), focus: 'cluster', clusterIndex: 2 },
      { type: 'moveCluster', delta: 5 },
      { clusterIndex: 2 },
    ],
    ['up stops', { ...fresh(), focus: 'cluster' }, { type: 'moveCluster', delta: -1 }, { clusterIndex: 0 }],
    // Typing in the cluster list does nothing.
    [
      'type on list',
      { ...fresh(), focus: 'cluster' },
      { type: 'type', text: 'x' },
      { address: '', tokenTyped: '', newClusterName: '' },
    ],
    // Typing into the new cluster name.
    [
      'type new name',
      { ...fresh([]), focus: 'newCluster' },
      { type: 'type', text: 'Edge' },
      { newClusterName: 'Edge' },
    ],
    // Focusing a field that is not shown is refused.
    ['focus hidden name', fresh(), { type: 'focus', field: 'newCluster' }, { focus: 'address' }],
    // Setting a whole field (paste) works on any field.
    ['paste token', fresh(), { type: 'setField', field: 'token', value: TOKEN }, { tokenTyped: TOKEN }],
  ])('%s', (_name, s, a, expected) => {
    expect(wizardReducer(s, a)).toMatchObject(expected);
  });

  it.each<[string, S, Partial<S>]>([
    // An empty form points at the address and shows every problem.
    ['empty form', fresh(), { step: 'input', focus: 'address', showProblems: true, requestId: 0 }],
    // A typo'd token keeps the wizard on the form with the token focused: no request id is spent.
    ['typo', { ...filled(), tokenTyped: TYPO }, { step: 'input', focus: 'token', requestId: 0 }],
    // An incomplete token is refused the same way.
    ['short token', { ...filled(), tokenTyped: TOKEN.slice(0, 7) }, { step: 'input', focus: 'token' }],
    // A bad address is pointed at even when the cursor sits on the token.
    ['bad address', { ...filled(), address: 'a b', focus: 'token' }, { step: 'input', focus: 'address' }],
    // The problem under the cursor wins over earlier ones.
    ['problem under cursor', { ...fresh(), focus: 'token' }, { focus: 'token' }],
    // "+ New cluster…" without a name points at the name field.
    ['new cluster unnamed', { ...filled(), clusterIndex: 2 }, { step: 'input', focus: 'newCluster' }],
    // A valid form starts connecting with a new request id.
    ['valid', filled(), { step: 'connecting', requestId: 1, stage: null }],
    // A valid form with a new cluster named starts too.
    ['valid new cluster', { ...filled(), clusterIndex: 2, newClusterName: 'Edge' }, { step: 'connecting' }],
  ])('submit: %s', (_name, s, expected) => {
    expect(wizardReducer(s, { type: 'submit' })).toMatchObject(expected);
  });

  it('formProblems names each broken field', () => {
    expect(formProblems({ ...fresh(), clusterIndex: 2 }).map((p) => p.field)).toEqual([
      'address',
      'token',
      'newCluster',
    ]);
  });

  it.each<[string, S, ClusterChoice[], Partial<S>]>([
    // The chosen cluster is kept by id when the list changes order.
    ['kept by id', { ...fresh(), clusterIndex: 1 }, [CLUSTERS[1]!, CLUSTERS[0]!], { clusterIndex: 0 }],
    // A chosen cluster that vanished falls back to the first.
    ['vanished', { ...fresh(), clusterIndex: 1 }, [CLUSTERS[0]!], { clusterIndex: 0 }],
    // "+ New cluster…" stays chosen when clusters appear.
    ['new stays new', fresh([]), CLUSTERS, { clusterIndex: 2 }],
    // The name field keeps focus while "+ New cluster…" stays chosen.
    ['name keeps focus', { ...fresh([]), focus: 'newCluster' }, CLUSTERS, { focus: 'newCluster' }],
    // A focus on a field no longer shown moves to the cluster list.
    ['focus fixed', { ...fresh(), focus: 'newCluster' }, CLUSTERS, { focus: 'cluster' }],
  ])('clusters update: %s', (_name, s, clusters, expected) => {
    expect(wizardReducer(s, { type: 'clusters', clusters })).toMatchObject(expected);
  });

  it('Esc on the form closes the wizard', () => expect(run(fresh(), { type: 'cancel' }).closed).toBe(true));
});

describe('wizard reducer: connecting, discovery, confirm', () => {
  it.each<[string, S, A, Partial<S>]>([
    // Stage reports for the current request are shown.
    ['stage', connecting(), { type: 'stage', requestId: 1, stage: 'verifying' }, { stage: 'verifying' }],
    // A stage from an older (cancelled) request is ignored.
    ['stale stage', connecting(), { type: 'stage', requestId: 0, stage: 'verifying' }, { stage: null }],
    // The discovery result moves on to the discovery page, first tab.
    [
      'discovered',
      connecting(),
      { type: 'discovered', requestId: 1, result: { id: 'd1' } },
      { step: 'discovery', discovery: { id: 'd1' }, tab: 0 },
    ],
    // A stale result is ignored.
    [
      'stale result',
      connecting(),
      { type: 'discovered', requestId: 7, result: { id: 'x' } },
      { step: 'connecting', discovery: null },
    ],
    // Esc while connecting goes back to the form, fields kept, and retires the request id.
    [
      'cancel connecting',
      connecting(),
      { type: 'cancel' },
      { step: 'input', requestId: 2, address: '10.20.0.17', tokenTyped: formatToken(TOKEN) },
    ],
    // A failure of the current request shows the error page.
    [
      'failed',
      connecting(),
      { type: 'failed', requestId: 1, error: { code: 'HOST_UNREACHABLE', message: 'm', hint: 'h' } },
      { step: 'error' },
    ],
    // A failure of a cancelled request is ignored.
    [
      'stale failure',
      run(connecting(), { type: 'cancel' }),
      { type: 'failed', requestId: 1, error: { code: 'HOST_UNREACHABLE', message: 'm', hint: 'h' } },
      { step: 'input' },
    ],
    // Tabs cycle both ways.
    ['tab right', discovered(), { type: 'tab', delta: 1, count: 5 }, { tab: 1 }],
    ['tab left wraps', discovered(), { type: 'tab', delta: -1, count: 5 }, { tab: 4 }],
    // Enter on discovery asks for confirmation.
    ['next', discovered(), { type: 'next' }, { step: 'confirm' }],
    // Esc on discovery goes back to the form.
    [
      'back from discovery',
      discovered(),
      { type: 'cancel' },
      { step: 'input', discovery: null, tokenTyped: formatToken(TOKEN) },
    ],
    // Esc on confirm goes back to discovery.
    ['back from confirm', confirming(), { type: 'cancel' }, { step: 'discovery' }],
    // Enter on confirm starts registering with a new request id.
    ['confirm', confirming(), { type: 'confirm' }, { step: 'confirm', registering: true, requestId: 2 }],
    // A second Enter while registering does nothing.
    ['double confirm', run(confirming(), { type: 'confirm' }), { type: 'confirm' }, { requestId: 2 }],
    // Esc while registering is ignored: the host may be joining.
    [
      'cancel while registering',
      run(confirming(), { type: 'confirm' }),
      { type: 'cancel' },
      { step: 'confirm', registering: true },
    ],
    // The register result ends in success.
    [
      'registered',
      run(confirming(), { type: 'confirm' }),
      { type: 'registered', requestId: 2, node: { id: 'n1' } },
      { step: 'success', registered: { id: 'n1' } },
    ],
    // A register failure shows the error page.
    [
      'register failed',
      run(confirming(), { type: 'confirm' }),
      {
        type: 'failed',
        requestId: 2,
        error: { code: 'HOST_ALREADY_REGISTERED', message: 'm', hint: 'h', phase: 'register' },
      },
      { step: 'error', registering: false },
    ],
    // Form actions do nothing outside the form.
    ['type outside form', discovered(), { type: 'type', text: 'x' }, { address: '10.20.0.17' }],
    ['submit outside form', discovered(), { type: 'submit' }, { step: 'discovery' }],
    // Confirm-page actions do nothing elsewhere.
    ['confirm outside', discovered(), { type: 'confirm' }, { registering: false }],
    ['next outside', connecting(), { type: 'next' }, { step: 'connecting' }],
  ])('%s', (_name, s, a, expected) => {
    expect(wizardReducer(s, a)).toMatchObject(expected);
  });
});

describe('wizard reducer: error page', () => {
  it.each<[string, string, string, string]>([
    // A used-up, expired or revoked token cannot work again: Retry clears it and focuses it.
    ['used', 'TOKEN_ALREADY_USED', '', 'token'],
    ['expired', 'TOKEN_EXPIRED', '', 'token'],
    ['revoked', 'TOKEN_REVOKED', '', 'token'],
    // A wrong token may just be mistyped: kept, focused.
    ['wrong token', 'TOKEN_INVALID', formatToken(TOKEN), 'token'],
    // An unreachable host keeps the token and points at the address.
    ['unreachable', 'HOST_UNREACHABLE', formatToken(TOKEN), 'address'],
    // Already registered keeps everything.
    ['already registered', 'HOST_ALREADY_REGISTERED', formatToken(TOKEN), 'address'],
    // A cluster problem points at the cluster list.
    ['cluster gone', 'CLUSTER_NOT_FOUND', formatToken(TOKEN), 'cluster'],
  ])('retry after %s', (_name, code, token, focus) => {
    const s = run(failedWith(code), { type: 'retry' });
    expect(s).toMatchObject({ step: 'input', tokenTyped: token, focus, address: '10.20.0.17', error: null });
  });

  it('Esc on the error page closes the wizard', () =>
    expect(run(failedWith('HOST_UNREACHABLE'), { type: 'cancel' }).closed).toBe(true));
  it('retry does nothing outside the error page', () =>
    expect(run(connecting(), { type: 'retry' }).step).toBe('connecting'));
});

describe('wizardUnderWay', () => {
  it.each<[string, S | null, boolean]>([
    // No wizard, or an untouched form: quitting loses nothing.
    ['none', null, false],
    ['untouched', fresh(), false],
    // Something typed, a request in flight, or a page past the form: ask first.
    ['typed', { ...fresh(), address: '1' }, true],
    ['connecting', connecting(), true],
    ['error page', failedWith('HOST_UNREACHABLE'), true],
    // Success and closed wizards are over.
    ['closed', { ...fresh(), closed: true, address: '1' }, false],
  ])('%s → %s', (_name, s, expected) => expect(wizardUnderWay(s)).toBe(expected));
});
