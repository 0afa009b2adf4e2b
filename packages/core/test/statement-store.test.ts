import { runOrderStoreGetManyTests, runStatementResultStoreTests } from '../src/conformance/index.js';
import { MemoryOrderStore, MemoryOutboxStore } from '../src/index.js';

runOrderStoreGetManyTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });
runStatementResultStoreTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });
runStatementResultStoreTests({ name: 'MemoryOutboxStore', createStore: () => new MemoryOutboxStore() });
