/**
 * A diagnostic preload for rss-probe.js, never loaded by the programs
 * themselves: given to a process in NODE_OPTIONS, it writes that process's
 * memory as V8 and Node see it (before and after a full collection) to
 * `$MEMPROBE_DIR/stats-N.json` on SIGUSR2, with a heap snapshot beside it
 * when `$MEMPROBE_DIR/snap` exists, then `done-N`.
 *
 *   MEMPROBE_DIR=/tmp/m NODE_OPTIONS="--import $PWD/dist/scripts/bench/mem-stats.js" node …
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

function sample(): Record<string, unknown> {
  return {
    memory: process.memoryUsage(),
    heap: v8.getHeapStatistics(),
    spaces: v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size, s.space_used_size]),
  };
}

const dir = process.env.MEMPROBE_DIR;
if (dir) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let n = 0;
  process.on('SIGUSR2', () => {
    const i = n++;
    const before = sample();
    gc();
    writeFileSync(join(dir, `stats-${i}.json`), JSON.stringify({ before, after: sample() }, null, 1));
    if (existsSync(join(dir, 'snap'))) {
      // A heap snapshot holds whatever the process holds (tokens in flight, private keys): readable by its owner only.
      const mask = process.umask(0o077);
      try {
        v8.writeHeapSnapshot(join(dir, `heap-${i}.heapsnapshot`));
      } finally {
        process.umask(mask);
      }
    }
    writeFileSync(join(dir, `done-${i}`), '');
  });
}
