import { defineConfig } from 'vitest/config';

// Unit tests only (no emulator): `npx vitest run --config vitest.unit.config.ts <dir>`.
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
