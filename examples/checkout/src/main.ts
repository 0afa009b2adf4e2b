import { runDemo } from './demo.js';

const results = await runDemo((line) => console.log(line));
const ok = results.every((result) => result.order.status === 'refunded');
console.log(ok ? '\nAll wallets: paid, partially refunded, refunded.' : '\nSomething went wrong.');
process.exitCode = ok ? 0 : 1;
