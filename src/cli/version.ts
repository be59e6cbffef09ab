/** rootlock's version, from package.json (read on demand: `--version`, journals, reports). */
import { createRequire } from 'node:module';

export function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}
