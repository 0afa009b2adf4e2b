/**
 * `@hutong/sandbox-cli`: the `hutong-sandbox` command (the three wallet sandboxes on local ports,
 * signed notifications triggered to any URL) and the kit behind it, for tests that want all three
 * sandboxes with test keys. ESM-only.
 *
 * @example
 * ```ts
 * import { createSandboxKit } from '@hutong/sandbox-cli';
 * const kit = createSandboxKit();
 * ```
 *
 * @packageDocumentation
 */
export * from './sandbox-control.js';
export * from './sandbox-kit.js';
export * from './sandbox-merchants.js';
export * from './sandbox-server.js';
export * from './sandbox-trigger.js';
export * from './sandbox-trigger-movement.js';
