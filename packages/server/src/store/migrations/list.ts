/**
 * Every schema change, in the order it is applied. A migration is never edited once released: a change
 * is a new file with the next id, appended here. `migrate()` records each applied id in cairn_migrations.
 */
import { init } from './001-init.js';
import { anchors } from './002-anchors.js';
import { clientOwners } from './003-client-owners.js';
import { quarantine } from './004-quarantine.js';
import { snapshotOwners } from './005-snapshot-owners.js';
import { audit } from './006-audit.js';
import { rowSecurity } from './007-row-security.js';
import { historyFloor } from './008-history-floor.js';
import { deletions } from './009-deletions.js';
import { epoch } from './010-epoch.js';
import { purgeIndexes } from './011-purge-indexes.js';
import type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [init, anchors, clientOwners, quarantine, snapshotOwners, audit, rowSecurity, historyFloor, deletions, epoch, purgeIndexes];
