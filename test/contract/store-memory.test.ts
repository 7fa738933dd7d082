import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import { describeStoreContract } from './store.contract.js';
import { describeQuarantineContract } from './store-quarantine.contract.js';
import { describeHistoryContract } from './store-history.contract.js';
import { describeAuditContract } from './store-audit.contract.js';
import { describeDeletionsContract } from './store-deletions.contract.js';
import { describeCompactionContract } from './store-compaction.contract.js';
import { describeRestoreContract } from './store-restore.contract.js';

describeStoreContract('memory', async () => createMemoryStore());
describeQuarantineContract('memory', async () => createMemoryStore());
describeHistoryContract('memory', async () => createMemoryStore());
describeAuditContract('memory', async () => createMemoryStore());
describeDeletionsContract('memory', async () => createMemoryStore());
describeCompactionContract('memory', async () => createMemoryStore());
describeRestoreContract('memory', async () => createMemoryStore());
