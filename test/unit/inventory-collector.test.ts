import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInventoryCollector, type FsSpace, type StatfsProbe } from '../../host-console/inventory/index.js';
import { COMMAND_MAX_OUTPUT_BYTES } from '../../host-console/inventory/command-worker.js';
import { COMMAND_WORKER_URL, createCommandRunner, createLiveStatfs } from '../../host-console/inventory/probes.js';

const server = fileURLToPath(new URL('../fixtures/hosts/server-2s', import.meta.url));
const space: FsSpace = { sizeBytes: 1000, usedBytes: 400, availableBytes: 500 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qx-inv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hung NFS server', () => {
  it('reports the mount unresponsive after the deadline and still answers with everything else', async () => {
    const asked: string[] = [];
    // An NFS statfs that never returns, as on a hard mount whose server is gone.
    const statfs: StatfsProbe = (mountPoint, fsType) => {
      asked.push(`${fsType} ${mountPoint}`);
      return fsType.startsWith('nfs') ? new Promise<FsSpace>(() => undefined) : Promise.resolve(space);
    };
    const inv = await createInventoryCollector({ root: server, stateDir: dir, statfs, statfsTimeoutMs: 30 }).refresh();
    expect(asked.sort()).toEqual([
      'ext4 /',
      'ext4 /var/lib/quantix/images',
      'nfs /mnt/isos',
      'nfs4 /mnt/vm backups',
      'vfat /boot/efi',
      'xfs /var/lib/quantix/vms',
    ]);
    expect(inv.storage.nfs.map((m) => [m.mountPoint, m.responsive, m.sizeBytes])).toEqual([
      ['/mnt/isos', false, null],
      ['/mnt/vm backups', false, null],
    ]);
    expect(inv.warnings).toEqual([
      {
        code: 'NFS_UNRESPONSIVE',
        message:
          'The server of /mnt/isos did not answer within 30 ms; its size is unknown. Check the server and the network path to it.',
        path: '/mnt/isos',
      },
      {
        code: 'NFS_UNRESPONSIVE',
        message:
          'The server of /mnt/vm backups did not answer within 30 ms; its size is unknown. Check the server and the network path to it.',
        path: '/mnt/vm backups',
      },
    ]);
    // local filesystems are unaffected
    expect(inv.storage.disks.find((d) => d.name === 'nvme1n1')?.filesystem).toEqual({
      type: 'ext4',
      mountPoint: '/var/lib/quantix/images',
      ...space,
    });
    expect(inv.gpus).toHaveLength(4);
  });

  it('turns a failing statfs into a warning and null sizes', async () => {
    const statfs: StatfsProbe = async (mountPoint) => {
      if (mountPoint === '/boot/efi') throw new Error('Input/output error');
      return space;
    };
    const inv = await createInventoryCollector({ root: server, stateDir: dir, statfs }).refresh();
    expect(inv.warnings).toEqual([
      {
        code: 'STATFS_FAILED',
        message: 'Could not read the space of /boot/efi: Input/output error',
        path: '/boot/efi',
      },
    ]);
    expect(inv.storage.disks.find((d) => d.name === 'sda')?.partitions[0]?.filesystem).toEqual({
      type: 'vfat',
      mountPoint: '/boot/efi',
      sizeBytes: null,
      usedBytes: null,
      availableBytes: null,
    });
  });
});

describe('live statfs', () => {
  it('asks a child process about network filesystems, so a hung server holds no thread of this process', async () => {
    const calls: string[][] = [];
    const statfs = createLiveStatfs(
      '/',
      async (file, args, opts) => {
        calls.push([file, ...args, String(opts?.timeoutMs)]);
        return { stdout: '4096 100 40 30\n', exitCode: 0 };
      },
      1500,
    );
    expect(await statfs('/mnt/isos', 'nfs')).toEqual({ sizeBytes: 409600, usedBytes: 245760, availableBytes: 122880 });
    // the child may live a little past the deadline, so the caller sees a timeout rather than a killed command
    expect(calls).toEqual([['stat', '-f', '-c', '%S %b %f %a', '--', '/mnt/isos', '2000']]);
  });

  it('reads local filesystems in-process and never runs a command for them', async () => {
    const statfs = createLiveStatfs(
      dir,
      async () => {
        throw new Error('no command expected');
      },
      1500,
    );
    const s = await statfs('/', 'ext4');
    expect(s.sizeBytes).toBeGreaterThan(0);
    expect(s.usedBytes + s.availableBytes).toBeLessThanOrEqual(s.sizeBytes);
  });

  it('rejects when stat fails', async () => {
    const statfs = createLiveStatfs('/', async () => ({ stdout: '', exitCode: 1 }), 1500);
    await expect(statfs('/mnt/gone', 'nfs4')).rejects.toThrow('stat -f /mnt/gone failed (exit 1)');
  });

  it('the default runner reports a missing tool as ENOENT and returns output and exit code otherwise', async () => {
    const run = createCommandRunner();
    await expect(run('quantix-no-such-tool', [])).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await run(process.execPath, ['-e', 'process.stdout.write("hi"); process.exit(3)'])).toEqual({
      stdout: 'hi',
      exitCode: 3,
    });
  });

  it('the default runner kills a command that outlives its timeout', async () => {
    const run = createCommandRunner();
    await expect(run('sleep', ['30'], { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('the default runner starts its worker from the compiled module and keeps at most 4 MiB of output', async () => {
    // The worker is a file of the build (dist/), not source text evaluated at run time.
    expect(fileURLToPath(COMMAND_WORKER_URL)).toMatch(/dist\/host-console\/inventory\/command-worker\.js$/);
    expect(existsSync(COMMAND_WORKER_URL)).toBe(true);
    const run = createCommandRunner();
    // Past the cap the pipe is closed: the command ends on its own or on EPIPE, either way with an exit code.
    const r = await run(process.execPath, ['-e', 'process.stdout.write("x".repeat(6 * 1024 * 1024))']);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stdout.length).toBeLessThanOrEqual(COMMAND_MAX_OUTPUT_BYTES);
  });
});

describe('cache', () => {
  it('collects once: get() answers from the cache and concurrent refreshes share one collection', async () => {
    let statfsCalls = 0;
    const statfs: StatfsProbe = async () => {
      statfsCalls++;
      return space;
    };
    const collector = createInventoryCollector({ root: server, stateDir: dir, statfs });
    const [a, b] = await Promise.all([collector.refresh(), collector.refresh()]);
    expect(a).toBe(b);
    const perCollection = statfsCalls;
    expect(perCollection).toBe(6);
    expect(await collector.get()).toBe(a);
    expect(statfsCalls).toBe(perCollection);
    const c = await collector.refresh();
    expect(c).not.toBe(a);
    expect(statfsCalls).toBe(2 * perCollection);
  });

  it('get() before any refresh collects', async () => {
    const inv = await createInventoryCollector({ root: server, stateDir: dir }).get();
    expect(inv.system.hostname).toBe('qx-node-07');
  });
});

describe('usage', () => {
  it('computes CPU percent from /proc/stat deltas between calls', async () => {
    await mkdir(join(dir, 'proc'), { recursive: true });
    const stat = (busy: number, idle: number) =>
      writeFile(join(dir, 'proc/stat'), `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n`);
    await writeFile(join(dir, 'proc/meminfo'), 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\n');
    await writeFile(join(dir, 'proc/loadavg'), '0.50 0.40 0.30 1/100 99\n');
    await writeFile(join(dir, 'proc/uptime'), '42.9 80.0\n');
    await stat(1000, 9000);
    const collector = createInventoryCollector({ root: dir, stateDir: join(dir, 'state') });
    // the first call samples twice; an unchanging file means no CPU time passed
    expect(await collector.usage()).toEqual({
      cpuPercent: null,
      memoryUsedBytes: 400 * 1024,
      memoryTotalBytes: 1000 * 1024,
      loadAverage: [0.5, 0.4, 0.3],
      uptimeSeconds: 42,
    });
    // 250 of 1000 new ticks busy
    await stat(1250, 9750);
    expect((await collector.usage()).cpuPercent).toBe(25);
    // no tick since: the last figure stands
    expect((await collector.usage()).cpuPercent).toBe(25);
    await stat(1250, 10750);
    expect((await collector.usage()).cpuPercent).toBe(0);
  });
});
