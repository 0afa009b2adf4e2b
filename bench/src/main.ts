import { benchAlipay } from './alipay.bench.js';
import { benchCheckout } from './checkout.bench.js';
import { benchColdStart } from './cold-start.bench.js';
import { benchCore } from './core.bench.js';
import { benchStore } from './store.bench.js';
import { benchUnionpay } from './unionpay.bench.js';
import { benchWechatpay } from './wechatpay.bench.js';

console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
console.log(
  'Each figure is sampled in alternation with its ceiling over the same pre-built inputs; notification bodies are bytes, as a server receives them.',
);
const results = [
  await benchCore(),
  await benchAlipay(),
  await benchWechatpay(),
  await benchUnionpay(),
  await benchCheckout(),
  await benchColdStart(),
  await benchStore(),
];
console.log(results.every(Boolean) ? '\nAll targets met.' : '\nSome targets missed (see FAIL above).');
