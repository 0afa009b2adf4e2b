import { runDemo } from './demo.js';
import { terminalColumns } from './terminal.js';

const summary = await runDemo((line) => console.log(line), { columns: terminalColumns() });
const paid = summary.afterRestart.filter((order) => order.paidAmount > 0).length;
const ok = paid === summary.afterRestart.length && summary.codeCompletions === 3;
console.log(
  ok ? `\nDone: ${paid} payments on three wallets, all in ${summary.databaseFile}.` : '\nSomething went wrong.',
);
process.exitCode = ok ? 0 : 1;
