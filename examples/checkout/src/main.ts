import { closingLines, demoSucceeded, runDemo } from './demo.js';
import { terminalColumns } from './terminal.js';

const columns = terminalColumns();
const summary = await runDemo((line) => console.log(line), { columns });
for (const line of closingLines(summary, columns)) console.log(line);
process.exitCode = demoSucceeded(summary) ? 0 : 1;
