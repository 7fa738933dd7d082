/**
 * L4 on the write path without a step in it: the group commit as the commit path sees it, with every push
 * the Store newly committed handed to the audit log after its outcome is known. The audit log only queues
 * (audit-log.ts), so the commit path's ack waits for nothing more than it did; duplicates (C1) stored
 * nothing and leave no row.
 */
import type { GroupCommit } from '../commit/group-commit.js';
import type { AuditLog } from './audit-log.js';

export function auditCommits(group: GroupCommit, audit: Pick<AuditLog, 'committed'>): GroupCommit {
  return {
    submit: (request) =>
      group.submit(request).then((outcome) => {
        if (outcome.kind === 'committed') audit.committed(request, outcome.version);
        return outcome;
      }),
    drain: () => group.drain(),
    close: () => group.close(),
    get queued() {
      return group.queued;
    },
  };
}
