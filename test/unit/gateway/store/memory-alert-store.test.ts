import { MemoryAlertStore } from '../../../../services/gateway/store/memory-alert-store.ts';
import { alertStoreContract } from '../../../contract/alert-store.contract.ts';

alertStoreContract('memory', async (limits) => new MemoryAlertStore(limits));
