-- Schema 2: corrections (grant, debit, void) and the audit log, as in a
-- wallet file's schema 5. An operation made as a correction keeps its reason,
-- and a void the operation it voids (each at most once); `log` finds
-- operations by kind, actor and instant through an index each. A lot granted
-- by support has the source 'adjustment'.
-- Actors sort byte by byte, as in a wallet file (completion walks them in order).
ALTER TABLE operations ALTER COLUMN actor TYPE TEXT COLLATE "C";
ALTER TABLE operations ADD COLUMN reason TEXT;
ALTER TABLE operations ADD COLUMN voids BIGINT;
CREATE UNIQUE INDEX operations_voided ON operations(voids) WHERE voids IS NOT NULL;
CREATE INDEX operations_by_kind ON operations(kind, id);
CREATE INDEX operations_by_actor ON operations(actor, id);
CREATE INDEX operations_by_time ON operations(at, id);
ALTER TABLE lots DROP CONSTRAINT lots_source_check;
ALTER TABLE lots ADD CONSTRAINT lots_source_check
    CHECK (source IN ('signup', 'credit_pack', 'license_pack', 'license_bonus', 'subscription', 'adjustment'));
