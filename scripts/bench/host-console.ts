/**
 * Figure 3 (and the host console's part of figure 6): the compiled host
 * console in a pseudo-terminal at 80x24 under TERM linux and
 * xterm-256color, talking to a compiled agent that holds a token. First
 * paint is the first moment the main screen is complete (host address,
 * agent status and F-key bar); the countdown cost is what the token screen
 * writes per second once it is up, which is what a 9600-baud line carries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { type BenchContext, type Figure, dist, figure, procStats, scratch, startAgentProgram } from './lib.js';
import { PtyProbe } from './pty-probe.js';

const TERMS = ['linux', 'xterm-256color'] as const;

/** Figure 3 and the host console's memory. */
export async function hostConsoleBench(ctx: BenchContext): Promise<Figure[]> {
  const runs = ctx.quick ? 2 : 5;
  const windowSeconds = ctx.quick ? 6 : 20;
  const host = '127.0.2.3';
  const dir = scratch(ctx, 'host-console');
  const agent = await startAgentProgram({ dir, host });
  const figures: Figure[] = [];
  try {
    // What Node itself costs before any console code runs, to read first paint against.
    const nodeStart: number[] = [];
    for (let i = 0; i < runs; i++) {
      const probe = new PtyProbe({ script: '-e', args: ["process.stdout.write('ready')"], term: 'linux' });
      try {
        nodeStart.push(
          (await probe.until((s) => s.includes('ready'), 'output of an empty program')).at - probe.startedAt,
        );
      } finally {
        probe.dispose();
      }
    }
    figures.push(
      figure(
        {
          figure: 3,
          name: 'Node.js start to first output (empty program)',
          unit: 'ms',
          note: "context: the floor under both consoles' first paint",
        },
        nodeStart,
      ),
    );
    await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken();
    for (const term of TERMS) {
      ctx.log(`host console: ${term}`);
      const paintMs: number[] = [];
      const paintBytes: number[] = [];
      const firstByteMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const last = i === runs - 1;
        const probe = new PtyProbe({
          script: dist('host-console/console/main.js'),
          args: ['--socket', agent.socketPath, '--exitable', '--log-file', join(dir, 'console.log')],
          term,
        });
        try {
          const painted = await probe.until(
            (s) =>
              s.includes(`https://${formatHostPort(host, agent.port)}`) &&
              s.includes('quantix-node: running') &&
              /F1 Help.*F4 Token/.test(s),
            'complete main screen',
          );
          paintMs.push(painted.at - probe.startedAt);
          paintBytes.push(painted.bytes);
          firstByteMs.push(probe.firstByteAt! - probe.startedAt);
          if (!last) continue;
          // The countdown on the token screen, measured once it has settled.
          probe.write('4');
          await probe.until((s) => s.includes('Expires in'), 'token screen');
          await sleep(1_500);
          const before = probe.bytes;
          await sleep(windowSeconds * 1_000);
          const rate = (probe.bytes - before) / windowSeconds;
          const rss = procStats(probe.pid);
          figures.push(
            figure({ figure: 3, name: `Host console first paint, ${term}`, unit: 'ms', target: 400 }, paintMs),
            figure({ figure: 3, name: `Host console first-paint bytes, ${term}`, unit: 'B' }, paintBytes),
            figure(
              {
                figure: 3,
                name: `Host console spawn to first byte, ${term}`,
                unit: 'ms',
                note: "context: start-up before the agent's answers are painted",
              },
              firstByteMs,
            ),
            figure(
              {
                figure: 3,
                name: `Host console countdown, ${term}`,
                unit: 'B/s',
                target: 40,
                note: `token screen, ${windowSeconds} s window`,
              },
              [rate],
            ),
            figure({ figure: 6, name: `Host console RSS, ${term}`, unit: 'MB', note: 'after the countdown window' }, [
              rss.rssMb,
            ]),
          );
        } finally {
          probe.dispose();
        }
      }
    }
  } finally {
    await agent.stop();
  }
  return figures;
}
