console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
console.log(
  'Each figure is sampled in alternation with its ceiling over the same pre-built inputs; notification bodies are bytes, as a server receives them.',
);
// Sections by name; `pnpm bench unionpay` (or `tsx src/main.ts unionpay store`) runs only those
// named, no argument runs them all. Each section's module is loaded only when it runs.
const sections: [name: string, run: () => Promise<boolean>][] = [
  ['core', async () => (await import('./core.bench.js')).benchCore()],
  ['alipay', async () => (await import('./alipay.bench.js')).benchAlipay()],
  ['wechatpay', async () => (await import('./wechatpay.bench.js')).benchWechatpay()],
  ['unionpay', async () => (await import('./unionpay.bench.js')).benchUnionpay()],
  ['checkout', async () => (await import('./checkout.bench.js')).benchCheckout()],
  ['cold-start', async () => (await import('./cold-start.bench.js')).benchColdStart()],
  ['store', async () => (await import('./store.bench.js')).benchStore()],
  ['relay', async () => (await import('./relay.bench.js')).benchRelay()],
  ['statements', async () => (await import('./statements.bench.js')).benchStatements()],
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
