import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';

/**
 * Every history event of STANDARD executions, one row each, keyed by the execution's start
 * date before its ARN: the events of the executions running now are written next to each
 * other at the end of the table, so a commit rewrites a few pages. Keyed by the ARN alone
 * (an execution's name is a UUID unless given), each running execution's events landed in
 * a page of their own anywhere in the table. A rowid table, its key an index beside it: in
 * a WITHOUT ROWID table a row over about 1,000 bytes (an event with a state's input often
 * is) spills into an overflow page of its own. Both cost the pass chain of
 * bench/step-functions.ts 30 pages (120 KiB) of write-ahead log per execution for its
 * 17.6 KB of events; 16 with this table.
 */
const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS sfn_events (
  start_date INTEGER NOT NULL, execution_arn TEXT NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL,
  PRIMARY KEY (start_date, execution_arn, id))`;

/** The store's statements on it: the execution's start date, which leads the key, is read from the execution's row. */
export const HISTORY_SQL = {
  appendEvent: `INSERT OR REPLACE INTO sfn_events (start_date, execution_arn, id, event)
           VALUES ((SELECT start_date FROM sfn_executions WHERE arn = ?1), ?1, ?2, ?3)`,
  history: `SELECT event FROM sfn_events
           WHERE start_date = (SELECT start_date FROM sfn_executions WHERE arn = ?1) AND execution_arn = ?1 ORDER BY id`,
  lastEventId: `SELECT MAX(id) AS id FROM sfn_events
           WHERE start_date = (SELECT start_date FROM sfn_executions WHERE arn = ?1) AND execution_arn = ?1`,
};

/** Creates the history table; a data folder of an earlier version has its events moved over from sfn_history (keyed by the ARN alone). */
export function createHistoryTable(db: DatabaseSync): void {
  db.exec(HISTORY_TABLE);
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sfn_history'").get()) return;
  inTransaction(db, () => {
    // An event whose execution is gone could not be read before either (every read starts from the execution).
    db.exec(`INSERT OR REPLACE INTO sfn_events (start_date, execution_arn, id, event)
      SELECT e.start_date, h.execution_arn, h.id, h.event FROM sfn_history h JOIN sfn_executions e ON e.arn = h.execution_arn`);
    db.exec('DROP TABLE sfn_history');
  });
}
