import { describe, expect, it } from 'vitest';
import { QuantixError } from '../../common/protocol/errors.js';
import { UsageError } from '../../common/cli/error-line.js';
import { exitCodeFor } from '../../vdc-console/console/cli.js';
import { chooseTarget, EXIT, parseCommandLine } from '../../vdc-console/console/options.js';

describe('command line', () => {
  it.each<[string, string[], string]>([
    // No command opens the console.
    ['no command', [], 'tui'],
    ['console options', ['--socket', '/s', '--refresh', '5'], 'tui'],
    // Global options may come before the command.
    ['socket first', ['--socket', '/s', 'hosts', 'list'], 'command'],
    [
      'hosts add',
      ['hosts', 'add', '--address', 'a', '--token-file', 'f', '--cluster', 'c', '--yes', '--json'],
      'command',
    ],
    [
      'hosts add, token on stdin',
      ['hosts', 'add', '--address', 'a', '--token-stdin', '--cluster', 'c', '--yes'],
      'command',
    ],
    // A secret on the command line is refused, in either spelling, for every command.
    ['hosts add --token', ['hosts', 'add', '--address', 'a', '--token', 't', '--cluster', 'c', '--yes'], 'error'],
    ['hosts add --token=', ['hosts', 'add', '--token=t'], 'error'],
    ['login --token', ['login', '--server', 'vdc:9443', '--token', 'qxa_x'], 'error'],
    ['--api-token anywhere', ['--api-token', 'qxa_x', 'hosts', 'list'], 'error'],
    ['login', ['login', '--server', 'vdc:9443', '--token-stdin'], 'command'],
    // Help anywhere.
    ['help', ['--help'], 'help'],
    ['command help', ['hosts', 'remove', '--help'], 'help'],
    ['group help', ['hosts', '--help'], 'help'],
    // Usage errors: unknown command, missing subcommand, unknown option, missing or extra argument, bad refresh.
    ['unknown command', ['frobnicate'], 'error'],
    ['missing subcommand', ['hosts'], 'error'],
    ['unknown option', ['hosts', 'list', '--colour'], 'error'],
    ['missing argument', ['hosts', 'show'], 'error'],
    ['extra argument', ['clusters', 'create', 'a', 'b'], 'error'],
    ['bad refresh', ['--refresh', 'soon'], 'error'],
  ])('%s', (_name, argv, kind) => expect(parseCommandLine(argv).kind).toBe(kind));

  it('refuses a secret on the command line with its own code, the safe forms, and never the value', () => {
    const p = parseCommandLine([
      'hosts',
      'add',
      '--address',
      'a',
      '--token',
      'QUANTIX-7K3M-9QDX-2BHF',
      '--cluster',
      'c',
    ]);
    expect(p).toMatchObject({ kind: 'error', code: 'SECRET_ON_COMMAND_LINE' });
    const text = p.kind === 'error' ? `${p.message} ${p.hint}` : '';
    expect(text).not.toContain('7K3M');
    for (const form of ['--token-stdin', '--token-file', '$QUANTIX_TOKEN']) expect(text).toContain(form);
    const login = parseCommandLine(['login', '--server', 'vdc:9443', '--token=qxa_secret']);
    expect(login.kind === 'error' && login.hint).toContain('$QUANTIX_API_TOKEN');
    expect(login.kind === 'error' && `${login.message} ${login.hint}`).not.toContain('qxa_secret');
    // Any option named as a secret is refused, not only the four the console once knew; the safe forms pass.
    for (const name of ['--api-token', '--password', '--secret', '--db-password', '--vdc-token', '--Passphrase']) {
      const q = parseCommandLine(['hosts', 'list', `${name}=hunter2`]);
      expect(q, name).toMatchObject({ kind: 'error', code: 'SECRET_ON_COMMAND_LINE' });
      expect(q.kind === 'error' && q.message).toContain(`${name} is refused`);
    }
    for (const name of ['--token-stdin', '--token-file', '--tokens']) {
      expect(parseCommandLine(['hosts', 'list', name]), name).not.toMatchObject({ code: 'SECRET_ON_COMMAND_LINE' });
    }
  });

  it('passes values and positionals through', () => {
    const p = parseCommandLine(['--server', 'https://vdc01', 'hosts', 'remove', 'qx-node-07', '--force', '-y']);
    expect(
      p.kind === 'command' && {
        words: p.spec.words,
        args: p.args,
        force: p.values.force,
        yes: p.values.yes,
        server: p.globals.server,
      },
    ).toEqual({
      words: ['hosts', 'remove'],
      args: ['qx-node-07'],
      force: true,
      yes: true,
      server: 'https://vdc01',
    });
  });

  it.each<[string, { socket?: string; server?: string }, Record<string, string>, object]>([
    // --server wins, then --socket, then the environment, then the vDC's default socket.
    ['server flag', { server: 'vdc:9443', socket: '/s' }, {}, { kind: 'server', server: 'vdc:9443' }],
    ['socket flag', { socket: '/s' }, { QUANTIX_VDC_SERVER: 'x' }, { kind: 'socket', socketPath: '/s' }],
    ['server env', {}, { QUANTIX_VDC_SERVER: 'x', QUANTIX_VDC_SOCKET: '/e' }, { kind: 'server', server: 'x' }],
    ['socket env', {}, { QUANTIX_VDC_SOCKET: '/e' }, { kind: 'socket', socketPath: '/e' }],
    [
      'runtime dir',
      {},
      { XDG_RUNTIME_DIR: '/run/user/1000' },
      { kind: 'socket', socketPath: '/run/user/1000/quantix/vdc.sock' },
    ],
    ['state dir', {}, {}, { kind: 'socket', socketPath: '/home/a/.local/state/quantix/vdc/vdc.sock' }],
  ])('target: %s', (_name, g, env, want) => expect(chooseTarget(g, env, 1000, '/home/a')).toEqual(want));
});

describe('errors', () => {
  it.each<[string, unknown, number]>([
    // Input refused before any network call.
    ['usage', new UsageError('TOKEN_FORMAT'), EXIT.usage],
    // The vDC itself cannot be reached or is not the pinned one.
    ['unreachable', new QuantixError('VDC_UNREACHABLE'), EXIT.unreachable],
    ['identity', new QuantixError('VDC_IDENTITY_CHANGED'), EXIT.unreachable],
    ['vDC timeout', new QuantixError('CONNECTION_TIMEOUT', { cause: new Error('t') }), EXIT.unreachable],
    // The host timed out, as the vDC reports it: refused.
    ['host timeout', new QuantixError('CONNECTION_TIMEOUT', { phase: 'connect' }), EXIT.refused],
    ['wrong token', new QuantixError('TOKEN_INVALID'), EXIT.refused],
    ['not logged in', new QuantixError('UNAUTHORIZED'), EXIT.refused],
    // A bug in the console.
    ['internal', new TypeError('x is undefined'), EXIT.internal],
  ])('%s exits %i', (_name, err, code) => expect(exitCodeFor(err)).toBe(code));
});
