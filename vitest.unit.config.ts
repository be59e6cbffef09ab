import { defineConfig } from 'vitest/config';

// Unit tests only (no emulator): `npx vitest run --config vitest.unit.config.ts <dir>`.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } } });
