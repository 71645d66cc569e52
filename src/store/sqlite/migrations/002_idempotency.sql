-- Schema 2: idempotency keys. A retried command with the same key and the
-- same request returns the stored result instead of running again.
CREATE TABLE idempotency_keys (
    key           TEXT PRIMARY KEY,
    request       TEXT NOT NULL,
    human         TEXT NOT NULL,
    json          TEXT NOT NULL,
    operation_at  INTEGER NOT NULL,
    actor         TEXT
);
