import { runSplitOrderStoreTests, runTransferStoreTests } from '../src/conformance/index.js';
import { MemoryOrderStore, MemoryOutboxStore, MemoryTransferStore } from '../src/index.js';

runTransferStoreTests({ name: 'MemoryTransferStore', createStore: () => new MemoryTransferStore() });
runTransferStoreTests({ name: 'MemoryOrderStore.transfers', createStore: () => new MemoryOrderStore().transfers });
runTransferStoreTests({ name: 'MemoryOutboxStore.transfers', createStore: () => new MemoryOutboxStore().transfers });
runSplitOrderStoreTests({ name: 'MemoryOrderStore', createStore: () => new MemoryOrderStore() });
