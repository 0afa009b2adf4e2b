import { benchAlipay } from './alipay.bench.js';
import { benchCheckout } from './checkout.bench.js';
import { benchColdStart } from './cold-start.bench.js';
import { benchCore } from './core.bench.js';
import { benchRelay } from './relay.bench.js';
import { benchStore } from './store.bench.js';
import { benchUnionpay } from './unionpay.bench.js';
import { benchWechatpay } from './wechatpay.bench.js';

console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
console.log(
  'Each figure is sampled in alternation with its ceiling over the same pre-built inputs; notification bodies are bytes, as a server receives them.',
);
// Sections by name; `pnpm bench unionpay` (or `tsx src/main.ts unionpay store`) runs only those
// named, no argument runs them all.
const sections: [name: string, run: () => Promise<boolean>][] = [
  ['core', benchCore],
  ['alipay', benchAlipay],
  ['wechatpay', benchWechatpay],
  ['unionpay', benchUnionpay],
  ['checkout', benchCheckout],
  ['cold-start', benchColdStart],
  ['store', benchStore],
  ['relay', benchRelay],
];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !sections.some(([section]) => section === name));
if (unknown.length) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${sections.map(([name]) => name).join(', ')}`);
  process.exit(2);
}
const results: boolean[] = [];
for (const [name, run] of sections) if (chosen.length === 0 || chosen.includes(name)) results.push(await run());
console.log(results.every(Boolean) ? '\nAll targets met.' : '\nSome targets missed (see FAIL above).');
