/**
 * The F4 registration-token screen: G generates a token (asking before
 * replacing a valid one) with the lifetime chosen with L (15 min, 1 h,
 * 4 h or 24 h; until chosen, the agent's default: one hour), R revokes it. The panel: the token in block type and as plain
 * text, the countdown and bar from the agent's expiresAt, the addresses and
 * certificate fingerprint the vDC operator needs, and the steps to follow.
 * Between two seconds only the countdown digits change (and one bar cell
 * every ~90 s), which keeps a 9600-baud line nearly idle.
 */
import { formatToken } from '../../../common/token/token.js';
import { confirmDialog } from '../../../common/tui/dialog.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { plain, progressBar, seg, textWidth, wrapText, type Line } from '../../../common/tui/text.js';
import type { ConsoleState, ManagementAddress, TokenView } from '../types.js';
import { bigTextWidth, FONT_HEIGHT, renderBigText } from '../render/font.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../../../common/protocol/agent-api.js';
import { fingerprintLines } from '../../../common/format/fingerprint.js';
import { clockUtc, countdown, hhmmUtc, lifetimeWords, secondsLeft, timeOf } from '../render/format.js';
import { renderProblem } from '../render/parts.js';
import type { Screen, ScreenContext } from './context.js';
import { backKey, footerOnly, menuKeys, quitKeys } from './menu.js';

/** Why G and R do nothing while the host is managed, or null. */
function managedReason(ctx: ScreenContext): string | null {
  const m = ctx.state.status?.membership;
  return m
    ? `This host is managed by vDC ${plain(m.vdcName)}: leave the cluster first (F9), then generate a token.`
    : null;
}

/** Generates a token and shows it. */
async function generate(ctx: ScreenContext): Promise<void> {
  await ctx.actions.generateToken();
  ctx.dispatch({ type: 'show', view: 'token' });
}

/** The lifetimes L offers for the next token: digit key, label, seconds. */
export const TOKEN_LIFETIMES: ReadonlyArray<{ key: string; label: string; seconds: number }> = [
  { key: '1', label: '15 min', seconds: 900 },
  { key: '2', label: '1 hour', seconds: 3600 },
  { key: '3', label: '4 hours', seconds: 14_400 },
  { key: '4', label: '24 hours', seconds: 86_400 },
];

/** The lifetime the next token gets in words. */
function chosenTtlWords(state: ConsoleState): string {
  return state.tokenTtlSeconds === undefined ? 'the default lifetime' : lifetimeWords(state.tokenTtlSeconds);
}

/** Opens the lifetime choice: a digit picks, Esc keeps the current one. */
function chooseLifetime(ctx: ScreenContext): void {
  const current = chosenTtlWords(ctx.state);
  ctx.dispatch({
    type: 'openDialog',
    dialog: {
      title: 'Token lifetime',
      lines: [
        [seg('How long should the next token stay valid?')],
        [seg(`Now: ${current}. A token already shown keeps its own.`, 'dim')],
      ],
      choices: [
        ...TOKEN_LIFETIMES.map((l) => ({
          keys: [l.key],
          label: l.label,
          action: () => ctx.actions.chooseTokenTtl(l.seconds),
        })),
        { keys: ['escape'], label: 'Cancel', action: () => {} },
      ],
    },
  });
}

/** The token screen's own keys (listed in help): G, L, R, Esc. */
export function tokenKeys(ctx: ScreenContext): KeyBinding[] {
  const standalone = () => !ctx.state.status?.membership;
  return [
    {
      keys: ['g', 'S-g'],
      display: 'G',
      label: 'New token',
      visible: standalone,
      help: 'Generate a registration token',
      disabledReason: () => managedReason(ctx),
      handler: async () => {
        if (!ctx.tokenActive()) return generate(ctx);
        const dialog = confirmDialog({
          title: 'Replace the token?',
          message: 'The current token stops working at once.\nA vDC operator typing it now will be refused.',
          confirmLabel: 'New token',
          onConfirm: () => generate(ctx),
        });
        ctx.dispatch({ type: 'openDialog', dialog });
      },
    },
    {
      keys: ['l', 'S-l'],
      display: 'L',
      label: 'Lifetime',
      visible: standalone,
      help: 'Lifetime of the next token (15 min to 24 h)',
      disabledReason: () => managedReason(ctx),
      handler: () => chooseLifetime(ctx),
    },
    {
      keys: ['r', 'S-r'],
      display: 'R',
      label: 'Revoke',
      visible: standalone,
      help: 'Revoke the token: it stops working at once',
      disabledReason: () => managedReason(ctx) ?? (ctx.tokenActive() ? null : 'There is no valid token to revoke.'),
      handler: () => ctx.actions.revokeToken(),
    },
    backKey(ctx),
  ];
}

/** The whole key table of the token screen: its own keys, the menu (only F1 and F5 in the footer), quit. */
export function tokenScreenKeys(ctx: ScreenContext): KeyBinding[] {
  return [...tokenKeys(ctx), ...footerOnly(menuKeys(ctx), ['f1', 'f5']), ...quitKeys(ctx)];
}

/** What the panel shows, decided from state and clock. */
export type TokenPanelMode = 'unknown' | 'joined' | 'none' | 'active' | 'expired';

/** Decides the panel's mode at time now. */
export function tokenPanelMode(state: ConsoleState, now: number): TokenPanelMode {
  if (!state.status) return 'unknown';
  if (state.status.membership) return 'joined';
  const t = state.token;
  if (!t) return 'none';
  const exp = timeOf(t.expiresAt);
  return exp !== null && exp > now ? 'active' : 'expired';
}

function addressLine(addresses: readonly ManagementAddress[], port: number, width: number): Line {
  const label = '   Host address   ';
  const suffix = `   (port ${port})`;
  if (addresses.length === 0) return [seg(label, 'label'), seg('no address yet (waiting for the network)', 'warn')];
  const room = width - label.length - suffix.length;
  const shown: string[] = [];
  for (const a of addresses) {
    const next = [...shown, plain(a.address)].join(', ');
    const more = addresses.length - shown.length - 1;
    if (textWidth(next) + (more > 0 ? ` +${more} more (F3)`.length : 0) > room && shown.length > 0) break;
    shown.push(plain(a.address));
  }
  const rest = addresses.length - shown.length;
  return [
    seg(label, 'label'),
    seg(shown.join(', '), 'value'),
    seg(suffix),
    ...(rest > 0 ? [seg(` +${rest} more (F3)`, 'dim')] : []),
  ];
}

function centred(text: string, width: number, style: 'title' | 'warn' | 'ok' | 'error' = 'title'): Line {
  const left = Math.max(0, Math.floor((width - textWidth(text)) / 2));
  return [seg(' '.repeat(left)), seg(text, style)];
}

/**
 * Wrong proofs the agent counted for the active token (empty line when
 * none): the token is never revoked for them, so the operator judges
 * whether it is an attack and revokes with R.
 */
function failedAttemptsLine(t: TokenView, width: number): Line {
  if (!t.failedAttempts) return [];
  const from = t.lastFailedFrom ? `, last from ${plain(t.lastFailedFrom)}` : '';
  const text = `   ${t.failedAttempts} failed attempt${t.failedAttempts === 1 ? '' : 's'}${from}`;
  const action = '  (R revokes)';
  return textWidth(text) + action.length <= width
    ? [seg(text, 'warn'), seg(action, 'dim')]
    : [seg(text.slice(0, width), 'warn')];
}

/** The lifetime line: the shown token's own, or the one the next token gets (L changes it). */
function lifetimeLine(state: ConsoleState, mode: TokenPanelMode): Line {
  const t = state.token;
  if (mode === 'active' && t) {
    const ttl = Math.round(((timeOf(t.expiresAt) ?? 0) - (timeOf(t.createdAt) ?? 0)) / 1000);
    return [
      seg(
        `   The token works once, for ${lifetimeWords(ttl > 0 ? ttl : DEFAULT_TOKEN_TTL_SECONDS)}, and never leaves this host.`,
      ),
    ];
  }
  return [
    seg('   The next token works once, for '),
    seg(chosenTtlWords(state), 'value'),
    seg(' ('),
    seg('L', 'key'),
    seg(' changes it).'),
  ];
}

/** Body of the token screen for an inner width (columns inside the frame). */
export function renderTokenPanel(state: ConsoleState, now: number, g: Glyphs, width: number): Line[] {
  const mode = tokenPanelMode(state, now);
  const status = state.status;
  if (state.problem && mode !== 'joined') {
    // Never a countdown for a token the agent may no longer hold: it lives only in the agent's memory.
    const stopped = state.problem.code === 'AGENT_UNREACHABLE';
    const first = stopped
      ? 'quantix-node has stopped: no registration token exists now.'
      : 'quantix-node is not answering: no token can be used now.';
    const lost =
      state.tokenLost === 'unreachable'
        ? stopped
          ? 'The token shown before is gone with it.'
          : 'The token shown before cannot be used until it answers.'
        : null;
    return [
      [],
      [],
      centred(first, width, 'warn'),
      ...(lost ? [centred(lost, width, 'warn')] : []),
      centred('When it is back, press G for a new token.', width, 'title'),
      [],
      ...renderProblem(state, now, g, width),
    ];
  }
  if (mode === 'unknown' || !status) return [[], [seg(`   Asking quantix-node for the token${g.ellipsis}`, 'dim')]];
  if (mode === 'joined') {
    const m = status.membership!;
    const at = timeOf(m.joinedAt);
    const text = `Joined cluster ${plain(m.clusterName)} on vDC ${plain(m.vdcName)}${at !== null ? ` at ${hhmmUtc(at)}` : ''}`;
    const lines: Line[] = [[], [], [], []];
    const c = centred(`${g.dotOn} ${text}`, width, 'ok');
    lines.push(c, []);
    lines.push(centred('This host is managed now; no registration token is needed.', width, 'title'));
    lines.push(centred('To move it to another vDC, leave the cluster first (F9).', width, 'title'));
    return lines;
  }

  const t = state.token;
  const lines: Line[] = [[]];
  const blockRows: Line[] = [];
  if (mode === 'active' && t) {
    const big = renderBigText(t.token, g.barFull);
    const indent = Math.max(0, Math.floor((width - bigTextWidth(t.token)) / 2));
    for (const row of big) blockRows.push([seg(' '.repeat(indent)), seg(row, 'token')]);
  } else if (mode === 'none' && state.tokenLost === 'restarted') {
    const msg = ['The agent restarted; the previous token no longer exists.', 'Press G for a new one.'];
    for (let r = 0; r < FONT_HEIGHT; r++)
      blockRows.push(msg[r - 2] !== undefined ? centred(msg[r - 2]!, width, r === 2 ? 'warn' : 'title') : []);
  } else {
    const msg = mode === 'expired' ? 'Expired. Press G for a new token.' : 'No token. Press G to generate one.';
    for (let r = 0; r < FONT_HEIGHT; r++)
      blockRows.push(r === 2 ? centred(msg, width, mode === 'expired' ? 'warn' : 'title') : []);
  }
  lines.push(...blockRows);

  if (mode === 'active' && t) {
    const exp = timeOf(t.expiresAt)!;
    const created = timeOf(t.createdAt) ?? exp - 3_600_000;
    const left = secondsLeft(exp, now);
    const total = Math.max(1, (exp - created) / 1000);
    const shown = countdown(left, total);
    const head = `   Expires in ${shown}  [`;
    const tail = `]  at ${clockUtc(exp)}`;
    const barWidth = Math.max(10, Math.min(40, width - head.length - tail.length - 1));
    lines.push([seg('   '), seg(formatToken(t.token), 'token')]);
    lines.push([
      seg('   Expires in ', 'label'),
      seg(shown, 'accent'),
      seg('  ['),
      ...progressBar(left / total, barWidth, g),
      seg(tail),
    ]);
    lines.push(failedAttemptsLine(t, width));
  } else {
    // Why the last token ended (revoked by the operator, say) goes where the countdown would be.
    const note = status.tokenNote ? wrapText(plain(status.tokenNote), width - 6).slice(0, 2) : [];
    for (let i = 0; i < 2; i++) lines.push(note[i] ? [seg('   '), seg(note[i]!, 'warn')] : []);
    lines.push([]);
  }
  const addresses = t && t.addresses.length > 0 ? t.addresses : status.addresses;
  lines.push(addressLine(addresses, status.port, width));
  const fp = (t?.certificateFingerprint ?? status.certificateFingerprint) || null;
  const fpl = fp ? fingerprintLines(fp) : ['unknown'];
  lines.push([seg('   Fingerprint    ', 'label'), seg(fpl[0] ?? '', 'value')]);
  for (const more of fpl.slice(1)) lines.push([seg('                  '), seg(more, 'value')]);
  lines.push([]);
  lines.push([
    seg('   On the vDC console: press '),
    seg('a', 'key'),
    seg(' (Add host), enter this address and token,'),
  ]);
  lines.push([seg('   choose the cluster, review the hardware, confirm.')]);
  lines.push(lifetimeLine(state, mode));
  return lines;
}

/** The token screen. */
export const tokenScreen: Screen = {
  title: 'Registration token',
  keys: tokenScreenKeys,
  body: ({ state, now, glyphs, width }) => renderTokenPanel(state, now, glyphs, width),
};
