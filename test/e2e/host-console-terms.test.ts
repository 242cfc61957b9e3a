/**
 * The direct console under every supported TERM, against a real agent, in a
 * real pseudo-terminal read back through a headless emulator: main screen,
 * F4 with this TERM's F-key bytes split across two reads, G, the token on
 * screen equal to the agent's, the countdown going down, and the terminal
 * restored on exit. Serial-style terminals run with LANG=C and must write
 * no byte above 0x7F; colour and the window title appear only where the
 * terminal supports them; the countdown and a full repaint stay in budget.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, TERMS, type PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';

const CONSOLE = 'dist/host-console/console/main.js';

let agent: AgentProcess | undefined;
let socketPath: string;
let tmpDir: string;
let client: LocalAgentClient;

beforeAll(async () => {
  agent = await startAgent();
  socketPath = agent.socketPath;
  tmpDir = agent.tmpDir;
  client = new LocalAgentClient({ socketPath });
});

afterAll(async () => {
  await stopAll(agent);
});

let program: PtyProgram | null = null;
afterEach(async () => {
  await program?.dispose();
  program = null;
  // The next terminal starts from a host without a token, whatever this one left.
  if ((await client.status()).token.state === 'active') await client.revokeToken();
});

/** Serial-style terminals run without a UTF-8 locale, as the serial unit does. */
const langFor = (term: string) => (term === 'vt100' || term === 'vt220' ? 'C' : 'C.UTF-8');
/** xterm runs with NO_COLOR, to cover it on a terminal that has colours. */
const noColorFor = (term: string) => term === 'xterm';
const expectColour = (term: string) => !noColorFor(term) && term !== 'vt100' && term !== 'vt220';
const expectTitle = (term: string) => term !== 'linux' && !term.startsWith('vt');

describe.each(TERMS)('TERM=%s', (term) => {
  it("shows the host, takes a split F4 and G, shows the agent's token counting down, and restores the terminal", async () => {
    const lang = langFor(term);
    const p = (program = spawnInPty({
      script: CONSOLE,
      args: ['--socket', socketPath, '--exitable', '--log-file', path.join(tmpDir, `console-${term}.log`)],
      term,
      lang,
      noColor: noColorFor(term),
      cols: 80,
      rows: 24,
    }));
    const status = await client.status();

    await p.waitForText(status.hostname);
    await p.waitForText(/Standalone: not managed by a vDC/);
    await p.waitForText(`https://127.0.0.1:${status.port}`);
    expect(p.screen()).toMatch(/F1 Help +F2 System +F3 Network +F4 Token/);

    // F4 as this terminal sends it, its bytes arriving in two reads.
    await p.pressSplit('F4', 1);
    await p.waitForText('Registration token');
    p.press('g');
    await p.waitForText(/QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    const agentToken = (await client.getToken()).token;
    expect(p.screen()).toContain(agentToken);

    // The countdown goes down, at no more than 40 bytes a second once the status message is gone.
    await p.waitForText(/token: active/, { timeoutMs: 30_000 });
    const seconds = () => {
      const m = p.screen().match(/Expires in (\d\d):(\d\d)/);
      return m ? Number(m[1]) * 60 + Number(m[2]) : null;
    };
    const start = await p.waitFor(seconds, 'the countdown');
    p.mark();
    await p.waitFor(() => start - (seconds() ?? start) >= 3, 'three countdown steps', { timeoutMs: 30_000 });
    const perSecond = p.bytesSinceMark() / (start - seconds()!);
    expect(perSecond, 'countdown bytes per second').toBeLessThanOrEqual(40);

    // A full repaint of the token screen at 80x24 (as after a resize) stays within 4 KB.
    // Redrawn at a width when output arrived and the top border ends in its corner in the last column.
    const redrawnAt = (cols: number) => () => {
      const top = Array.from(p.screenText()[0] ?? '');
      return p.bytesSinceMark() > 0 && top.length === cols && /[┐+]/.test(top[cols - 1] ?? '');
    };
    p.mark();
    p.resize(81, 24);
    await p.waitFor(redrawnAt(81), 'the redraw at 81 columns', { timeoutMs: 30_000 });
    // A resize is no input: the marker that follows the redraw says it is all written.
    await p.waitForNextSettled({ timeoutMs: 30_000 });
    p.mark();
    p.resize(80, 24);
    await p.waitFor(redrawnAt(80), 'the redraw at 80 columns', { timeoutMs: 30_000 });
    await p.waitForNextSettled({ timeoutMs: 30_000 });
    console.info(
      `[measure] ${term} ${lang}: countdown ${perSecond.toFixed(1)} B/s, full token screen ${p.bytesSinceMark()} B, spawn to first output ${p.firstOutputMs} ms`,
    );
    expect(p.bytesSinceMark(), 'bytes of a full token-screen paint').toBeLessThanOrEqual(4096);

    if (lang === 'C') {
      const high = [...p.output()].filter((b) => b > 0x7f).length;
      expect(high, 'bytes above 0x7F under LANG=C').toBe(0);
      expect(p.screen()).toMatch(/^\+ Quantix-OS/);
    }

    // Colour only where the terminal has it and NO_COLOR is unset; the window title only on xterm-like terminals.
    const written = p.output().toString('latin1');
    expect(/\x1b\[[0-9;]*3[0-7][;m]/.test(written), 'foreground colour codes').toBe(expectColour(term));
    expect(written.includes('\x1b]0;'), 'window title sequence').toBe(expectTitle(term));

    p.press('q');
    const exit = await p.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.restored, `normal buffer ${exit.normalBuffer}, cursor visible ${exit.cursorVisible}`).toBe(true);
  }, 120_000);
});
