/**
 * The add-host wizard as a state machine: a pure reducer over typed
 * actions. The screen maps keys to actions, runs the network effects the
 * state asks for (discover while `connecting`, register while `confirm` is
 * busy) and draws the current step; nothing here does I/O or reads a clock.
 *
 *   input ──submit──► connecting ──discovered──► discovery ──next──► confirm ──registered──► success
 *     ▲  ◄──cancel───┘     │                        │ ◄────back────────┘  │
 *     │                    └──failed──► error ◄─────┴─────────────────────┘ (failed)
 *     └──────────retry────────────────────┘
 */
import { describeTokenProblem, groupTokenInput, parseToken, TOKEN_PREFIX } from '../../common/token/token.js';
import type { Phase } from '../../common/protocol/errors.js';
import { CLUSTER_NAME_PATTERN, parseHostAddressInput, type DiscoverStage } from '../../common/protocol/vdc-api.js';

/** The wizard's steps. */
export type WizardStep = 'input' | 'connecting' | 'discovery' | 'confirm' | 'success' | 'error';

/** Fields of the input form, in focus order. */
export type WizardField = 'address' | 'token' | 'cluster' | 'newCluster';

/** A cluster the host may join. */
export interface ClusterChoice {
  id: string;
  name: string;
  hosts: number;
}

/** The vDC's stages while it reaches the host, as its progress stream reports them. */
export type ConnectStage = DiscoverStage;

/** The error shown on the error page. */
export interface WizardError {
  /** An ErrorCode, or a code this console does not know yet (a newer vDC's). */
  code: string;
  message: string;
  hint: string;
  phase?: Phase;
}

/** What the form checks say about the token field. */
export type TokenCheck =
  | { kind: 'empty' }
  /** Still typing: not wrong yet (the prefix, or fewer than 12 symbols). */
  | { kind: 'partial'; message: string }
  | { kind: 'ok'; canonical: string }
  /** Wrong already: a symbol tokens never use, too long, or a failed check symbol. */
  | { kind: 'problem'; message: string };

/** Wizard state; `D` is the discovery result and `N` the registered node (kept opaque here). */
export interface WizardState<D = unknown, N = unknown> {
  step: WizardStep;
  /** Exactly what was typed in each text field; the token is displayed grouped. */
  address: string;
  tokenTyped: string;
  newClusterName: string;
  clusters: ClusterChoice[];
  /** Index into clusters; clusters.length means "+ New cluster…". */
  clusterIndex: number;
  focus: WizardField;
  /** Problems are shown for every field once a submit was refused. */
  showProblems: boolean;
  /** Increases with every network request; results carrying another id are stale and ignored. */
  requestId: number;
  /** The stage the vDC reported last while connecting (null before the first report). */
  stage: ConnectStage | null;
  discovery: D | null;
  /** Selected discovery tab. */
  tab: number;
  /** The register request is in flight (step `confirm`). */
  registering: boolean;
  registered: N | null;
  error: WizardError | null;
  /** True once the wizard should close (cancelled from the form or the error page). */
  closed: boolean;
}

/** Every action the wizard understands. */
export type WizardAction<D = unknown, N = unknown> =
  /** Characters typed into the focused text field. */
  | { type: 'type'; text: string }
  /** Backspace in the focused text field: one symbol for the token. */
  | { type: 'erase' }
  /** Ctrl-U: empties the focused text field. */
  | { type: 'clearField' }
  /** Sets a field's whole value (paste, command line). */
  | { type: 'setField'; field: 'address' | 'token' | 'newCluster'; value: string }
  /** Tab / Shift-Tab. */
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'focus'; field: WizardField }
  /** ↑↓ in the cluster list. */
  | { type: 'moveCluster'; delta: number }
  /** Fresh cluster list from the vDC; the chosen cluster is kept by id. */
  | { type: 'clusters'; clusters: ClusterChoice[] }
  /** Enter on the form. */
  | { type: 'submit' }
  /** The vDC reported progress for a request. */
  | { type: 'stage'; requestId: number; stage: ConnectStage }
  | { type: 'discovered'; requestId: number; result: D }
  /** ←→ on the discovery page; count is the number of tabs. */
  | { type: 'tab'; delta: number; count: number }
  /** Enter on the discovery page. */
  | { type: 'next' }
  /** Enter on the confirm page. */
  | { type: 'confirm' }
  | { type: 'registered'; requestId: number; node: N }
  | { type: 'failed'; requestId: number; error: WizardError }
  /** r on the error page. */
  | { type: 'retry' }
  /** Esc: back one step, or close from the form and the error page. */
  | { type: 'cancel' };

/** Token codes after which the same token cannot work again: Retry clears it. */
export const SPENT_TOKEN_CODES: readonly string[] = ['TOKEN_ALREADY_USED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED'];

/** A fresh wizard over the known clusters; the first cluster is preselected, or "+ New cluster…" when there is none. */
export function initialWizard<D = unknown, N = unknown>(
  clusters: ClusterChoice[],
  preferredClusterId?: string | null,
): WizardState<D, N> {
  const preferred = preferredClusterId ? clusters.findIndex((c) => c.id === preferredClusterId) : -1;
  return {
    step: 'input',
    address: '',
    tokenTyped: '',
    newClusterName: '',
    clusters,
    clusterIndex: preferred >= 0 ? preferred : 0,
    focus: 'address',
    showProblems: false,
    requestId: 0,
    stage: null,
    discovery: null,
    tab: 0,
    registering: false,
    registered: null,
    error: null,
    closed: false,
  };
}

/** True when the form's cluster choice is "+ New cluster…". */
export function choosingNewCluster(s: Pick<WizardState, 'clusters' | 'clusterIndex'>): boolean {
  return s.clusterIndex >= s.clusters.length;
}

/** The cluster the host will join: an existing one, or a new one by name. */
export type ClusterTarget = { kind: 'existing'; id: string; name: string } | { kind: 'new'; name: string };

/** The chosen cluster (new clusters by their trimmed name). */
export function clusterTarget(s: Pick<WizardState, 'clusters' | 'clusterIndex' | 'newClusterName'>): ClusterTarget {
  const c = s.clusters[s.clusterIndex];
  return c ? { kind: 'existing', id: c.id, name: c.name } : { kind: 'new', name: s.newClusterName.trim() };
}

/** The token as shown in its field: upper case, grouped QUANTIX-XXXX-XXXX-XXXX as typed. */
export function tokenDisplay(typed: string): string {
  const bare = typed.toUpperCase().replace(/[\s\-_.]/g, '');
  // While the prefix itself is being typed it is shown as typed, not read as symbols.
  if (bare.length > 0 && bare.length < TOKEN_PREFIX.length && TOKEN_PREFIX.startsWith(bare)) return bare;
  return groupTokenInput(typed);
}

/** Checks the token field as typed: fine, still incomplete, or wrong already. */
export function checkToken(typed: string): TokenCheck {
  const bare = typed.toUpperCase().replace(/[\s\-_.]/g, '');
  if (bare.length === 0) return { kind: 'empty' };
  if (bare.length <= TOKEN_PREFIX.length && TOKEN_PREFIX.startsWith(bare))
    return { kind: 'partial', message: '0 of 12 symbols' };
  const parsed = parseToken(typed);
  if (parsed.ok) return { kind: 'ok', canonical: parsed.canonical };
  if (parsed.problem.kind === 'short') return { kind: 'partial', message: describeTokenProblem(parsed.problem) };
  return { kind: 'problem', message: describeTokenProblem(parsed.problem) };
}

/** Address problems in words (the vDC's own address rules), or null when the address is usable. */
export function checkAddress(address: string): string | null {
  const r = parseHostAddressInput(address);
  return r.ok ? null : r.problem;
}

/** Cluster-name problems for "+ New cluster…" (the vDC's naming rules), or null. */
export function checkNewClusterName(name: string, clusters: readonly ClusterChoice[]): string | null {
  const n = name.trim();
  if (n === '') return 'name the new cluster';
  if (!CLUSTER_NAME_PATTERN.test(n)) return 'letters, digits, "-", "_" and "." only (1-63)';
  if (clusters.some((c) => c.name.toLowerCase() === n.toLowerCase()))
    return 'a cluster with this name exists: choose it above';
  return null;
}

/** Problems of the form by field, in focus order; empty when it can be submitted. */
export function formProblems(s: WizardState): Array<{ field: WizardField; message: string }> {
  const out: Array<{ field: WizardField; message: string }> = [];
  const address = checkAddress(s.address);
  if (address) out.push({ field: 'address', message: address });
  const token = checkToken(s.tokenTyped);
  if (token.kind === 'empty') out.push({ field: 'token', message: describeTokenProblem({ kind: 'empty' }) });
  else if (token.kind === 'partial' || token.kind === 'problem') out.push({ field: 'token', message: token.message });
  if (choosingNewCluster(s)) {
    const name = checkNewClusterName(s.newClusterName, s.clusters);
    if (name) out.push({ field: 'newCluster', message: name });
  }
  return out;
}

/** The fields that can take focus now (the new-cluster name only when "+ New cluster…" is chosen). */
export function focusOrder(s: Pick<WizardState, 'clusters' | 'clusterIndex'>): WizardField[] {
  return choosingNewCluster(s) ? ['address', 'token', 'cluster', 'newCluster'] : ['address', 'token', 'cluster'];
}

/** The canonical token the form holds, or null when it is not valid. */
export function canonicalTokenOf(s: Pick<WizardState, 'tokenTyped'>): string | null {
  const t = checkToken(s.tokenTyped);
  return t.kind === 'ok' ? t.canonical : null;
}

/** Removes the last symbol of the typed token together with any separators after it. */
function eraseTokenSymbol(typed: string): string {
  return typed
    .replace(/[\s\-_.]*$/, '')
    .slice(0, -1)
    .replace(/[\s\-_.]*$/, '');
}

/** Keeps only what a text field may hold: printable characters, no controls. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

function editText<D, N>(s: WizardState<D, N>, field: WizardField, edit: (old: string) => string): WizardState<D, N> {
  switch (field) {
    case 'address':
      return { ...s, address: edit(s.address) };
    case 'token':
      return { ...s, tokenTyped: edit(s.tokenTyped) };
    case 'newCluster':
      return { ...s, newClusterName: edit(s.newClusterName) };
    case 'cluster':
      return s;
  }
}

function moveFocus<D, N>(s: WizardState<D, N>, delta: number): WizardState<D, N> {
  const order = focusOrder(s);
  const at = Math.max(0, order.indexOf(s.focus));
  return { ...s, focus: order[(at + delta + order.length) % order.length]! };
}

/** Where the cursor goes after an error, for Retry: the field the error is about. */
function fieldForError(code: string, phase: Phase | undefined, tokenCleared: boolean): WizardField {
  if (tokenCleared) return 'token';
  if (/^TOKEN_|^NO_ACTIVE_TOKEN$|^RATE_LIMITED$/.test(code)) return 'token';
  if (/^CLUSTER_/.test(code) || phase === 'register') return 'cluster';
  return 'address';
}

/** The wizard's reducer: the next state for an action; actions that do not apply leave the state unchanged. */
export function wizardReducer<D, N>(s: WizardState<D, N>, a: WizardAction<D, N>): WizardState<D, N> {
  switch (a.type) {
    case 'type': {
      if (s.step !== 'input') return s;
      const text = printable(a.text);
      if (text === '') return s;
      return editText(s, s.focus, (old) => old + text);
    }
    case 'erase':
      if (s.step !== 'input') return s;
      return editText(s, s.focus, (old) =>
        s.focus === 'token' ? eraseTokenSymbol(old) : Array.from(old).slice(0, -1).join(''),
      );
    case 'clearField':
      if (s.step !== 'input') return s;
      return editText(s, s.focus, () => '');
    case 'setField':
      if (s.step !== 'input') return s;
      return editText(s, a.field, () => printable(a.value));
    case 'focusNext':
      return s.step === 'input' ? moveFocus(s, 1) : s;
    case 'focusPrev':
      return s.step === 'input' ? moveFocus(s, -1) : s;
    case 'focus':
      return s.step === 'input' && focusOrder(s).includes(a.field) ? { ...s, focus: a.field } : s;
    case 'moveCluster': {
      if (s.step !== 'input') return s;
      const max = s.clusters.length;
      const clusterIndex = Math.min(max, Math.max(0, s.clusterIndex + a.delta));
      return { ...s, clusterIndex, focus: s.focus === 'newCluster' ? 'cluster' : s.focus };
    }
    case 'clusters': {
      const chosen = s.clusters[s.clusterIndex];
      const byId = chosen ? a.clusters.findIndex((c) => c.id === chosen.id) : -1;
      // A cluster that vanished falls back to the first; "+ New cluster…" stays chosen.
      const clusterIndex = chosen ? (byId >= 0 ? byId : 0) : a.clusters.length;
      const next = { ...s, clusters: a.clusters, clusterIndex };
      return focusOrder(next).includes(next.focus) ? next : { ...next, focus: 'cluster' };
    }
    case 'submit': {
      if (s.step !== 'input') return s;
      const problems = formProblems(s);
      if (problems.length > 0) {
        const here = problems.find((p) => p.field === s.focus);
        return { ...s, showProblems: true, focus: (here ?? problems[0]!).field };
      }
      return {
        ...s,
        step: 'connecting',
        requestId: s.requestId + 1,
        stage: null,
        discovery: null,
        error: null,
        tab: 0,
        showProblems: false,
      };
    }
    case 'stage':
      if (s.step !== 'connecting' || a.requestId !== s.requestId) return s;
      return { ...s, stage: a.stage };
    case 'discovered':
      if (s.step !== 'connecting' || a.requestId !== s.requestId) return s;
      return { ...s, step: 'discovery', discovery: a.result, tab: 0 };
    case 'tab': {
      if (s.step !== 'discovery' || a.count <= 0) return s;
      return { ...s, tab: (s.tab + a.delta + a.count * Math.max(1, Math.abs(a.delta))) % a.count };
    }
    case 'next':
      return s.step === 'discovery' ? { ...s, step: 'confirm' } : s;
    case 'confirm':
      if (s.step !== 'confirm' || s.registering) return s;
      return { ...s, registering: true, requestId: s.requestId + 1 };
    case 'registered':
      if (s.step !== 'confirm' || !s.registering || a.requestId !== s.requestId) return s;
      return { ...s, step: 'success', registering: false, registered: a.node };
    case 'failed': {
      const inFlight =
        (s.step === 'connecting' || (s.step === 'confirm' && s.registering)) && a.requestId === s.requestId;
      if (!inFlight) return s;
      return { ...s, step: 'error', registering: false, error: a.error };
    }
    case 'retry': {
      if (s.step !== 'error') return s;
      const code = s.error?.code ?? '';
      const clear = SPENT_TOKEN_CODES.includes(code);
      return {
        ...s,
        step: 'input',
        tokenTyped: clear ? '' : s.tokenTyped,
        focus: fieldForError(code, s.error?.phase, clear),
        discovery: null,
        stage: null,
        error: null,
        showProblems: false,
      };
    }
    case 'cancel':
      switch (s.step) {
        case 'input':
        case 'error':
        case 'success':
          return { ...s, closed: true };
        case 'connecting':
          // The request id moves on so a late answer from the aborted request is ignored.
          return { ...s, step: 'input', stage: null, requestId: s.requestId + 1 };
        case 'discovery':
          return { ...s, step: 'input', discovery: null };
        case 'confirm':
          return s.registering ? s : { ...s, step: 'discovery' };
      }
  }
}

/** True while leaving would lose something the operator typed or a request in flight. */
export function wizardUnderWay(s: WizardState | null): boolean {
  if (!s || s.closed || s.step === 'success') return false;
  if (s.step !== 'input') return true;
  return s.address !== '' || s.tokenTyped !== '' || s.newClusterName !== '';
}
