import { benchAlipay } from './alipay.bench.js';
import { benchCore } from './core.bench.js';

console.log(`hutong benchmarks: node ${process.version}, ${process.platform}/${process.arch}`);
const results = [await benchCore(), await benchAlipay()];
console.log(results.every(Boolean) ? '\nAll targets met.' : '\nSome targets missed (see FAIL above).');
