-- Schema 5: corrections (grant, debit, void) and the audit log.
--
-- An operation made as a correction keeps its reason, and a void the
-- operation it voids (each at most once). `log` finds operations by kind,
-- actor and instant through an index each; like the table, each grows at its
-- end (a few kinds, a few actors, instants in order).
ALTER TABLE operations ADD COLUMN reason TEXT;
ALTER TABLE operations ADD COLUMN voids INTEGER REFERENCES operations(id);
CREATE UNIQUE INDEX operations_voided ON operations(voids) WHERE voids IS NOT NULL;
CREATE INDEX operations_by_kind ON operations(kind, id);
CREATE INDEX operations_by_actor ON operations(actor, id);
CREATE INDEX operations_by_time ON operations(at, id);

-- A lot granted by support has the source 'adjustment'. A CHECK cannot be
-- changed in place, so the lots table is made again with every row and index
-- (foreign keys are not enforced while a schema changes, and are checked after).
CREATE TABLE lots_5 (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    operation_id    INTEGER NOT NULL REFERENCES operations(id),
    asset           TEXT NOT NULL CHECK (asset IN ('credits', 'licenses')),
    -- CHECKs spelt as OR chains: an IN list of four or more values costs an
    -- ephemeral table on every insert.
    source          TEXT NOT NULL CHECK (source = 'signup' OR source = 'credit_pack' OR source = 'license_pack'
                                         OR source = 'license_bonus' OR source = 'subscription'
                                         OR source = 'adjustment'),
    granted         INTEGER NOT NULL CHECK (granted > 0),
    remaining       INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= granted),
    granted_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    subscription_id INTEGER REFERENCES subscriptions(id),
    CHECK ((source = 'subscription') = (subscription_id IS NOT NULL))
);
INSERT INTO lots_5 (id, account_id, operation_id, asset, source, granted, remaining, granted_at, expires_at,
                    subscription_id)
    SELECT id, account_id, operation_id, asset, source, granted, remaining, granted_at, expires_at, subscription_id
    FROM lots ORDER BY id;
DROP TABLE lots;
ALTER TABLE lots_5 RENAME TO lots;
CREATE INDEX lots_by_account ON lots(account_id, id);
CREATE INDEX lots_one_time_due ON lots(expires_at) WHERE remaining > 0 AND subscription_id IS NULL;
CREATE INDEX lots_live ON lots(account_id, id, asset, source, granted, remaining, granted_at, expires_at, subscription_id)
    WHERE remaining > 0;
