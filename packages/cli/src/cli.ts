#!/usr/bin/env node
/**
 * `hutong`: the command line of hutong. `hutong reconcile` closes a day against a wallet's statement.
 *
 * @packageDocumentation
 */
import { RECONCILE_USAGE, runReconcileCommand } from './reconcile-command.js';

const USAGE = `hutong <command>\n\n${RECONCILE_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'reconcile') return runReconcileCommand(rest);
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  process.stderr.write(`${command ? `unknown command ${command}` : 'no command'}\n\n${USAGE}\n`);
  return 2;
}

// The config's database pool may hold the event loop: exit once the output is written.
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`hutong: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
