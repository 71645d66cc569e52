-- Schema 3: only one index per account grows with its history.
--
-- A replay or a busy day touches accounts in no order, so every index keyed
-- by account takes a random page write per row. An account's ledger entries
-- and images are now found through its operations (operations_by_account),
-- and the indexes on operation_id grow at their end like the tables do.
DROP INDEX ledger_by_account;
DROP INDEX ledger_by_lot;
DROP INDEX images_by_account;
CREATE INDEX ledger_by_operation ON ledger(operation_id);
CREATE INDEX images_by_operation ON images(operation_id);

-- The lots that still hold something, with every column the rules read:
-- burn-down, deliveries and forfeits read them without touching the table.
DROP INDEX lots_live_by_subscription;
CREATE INDEX lots_live ON lots(account_id, id, asset, source, granted, remaining, granted_at, expires_at, subscription_id)
    WHERE remaining > 0;
