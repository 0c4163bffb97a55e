import { openEtcdStore } from '../../src/storage/etcd.ts';
import { startEtcd } from '../support/etcd.ts';
import { describeStoreConformance } from './conformance.ts';

describeStoreConformance('etcd', async () => {
  const etcd = await startEtcd({ name: 'conformance' });
  const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
  return { store, cleanup: async () => { await store.close(); await etcd.stop(); } };
});
