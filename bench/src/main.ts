import { benchAlipay } from './alipay.bench.js';
import { benchCore } from './core.bench.js';
import { benchUnionpay } from './unionpay.bench.js';
import { benchWechatpay } from './wechatpay.bench.js';

console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
const results = [await benchCore(), await benchAlipay(), await benchWechatpay(), await benchUnionpay()];
console.log(results.every(Boolean) ? '\nAll targets met.' : '\nSome targets missed (see FAIL above).');
