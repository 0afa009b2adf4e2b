// `pnpm bench` runs every section; `pnpm bench relay store` only those named. Each section is
// imported when it runs, so one section needs only its own packages built.
const sections: Record<string, () => Promise<boolean>> = {
  core: async () => (await import('./core.bench.js')).benchCore(),
  alipay: async () => (await import('./alipay.bench.js')).benchAlipay(),
  wechatpay: async () => (await import('./wechatpay.bench.js')).benchWechatpay(),
  unionpay: async () => (await import('./unionpay.bench.js')).benchUnionpay(),
  checkout: async () => (await import('./checkout.bench.js')).benchCheckout(),
  'cold-start': async () => (await import('./cold-start.bench.js')).benchColdStart(),
  store: async () => (await import('./store.bench.js')).benchStore(),
  relay: async () => (await import('./relay.bench.js')).benchRelay(),
};
const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((name) => !(name in sections));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
const chosen = asked.length > 0 ? asked : Object.keys(sections);

console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
console.log(
  'Each figure is sampled in alternation with its ceiling over the same pre-built inputs; notification bodies are bytes, as a server receives them.',
);
const results: boolean[] = [];
for (const name of chosen) results.push(await (sections[name] as () => Promise<boolean>)());
console.log(results.every(Boolean) ? '\nAll targets met.' : '\nSome targets missed (see FAIL above).');
