-- Schema 1 of the wallet file. Instants are Unix seconds (UTC); amounts are
-- whole numbers; money is in minor units of its currency.

CREATE TABLE wallet (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    clock       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- One accepted command or one clock event. account_id is NULL for
-- wallet-wide commands (init, advance-clock).
CREATE TABLE operations (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts(id),
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    actor       TEXT
);
CREATE INDEX operations_by_account ON operations(account_id, id);

CREATE TABLE subscriptions (
    id                    INTEGER PRIMARY KEY,
    account_id            INTEGER NOT NULL REFERENCES accounts(id),
    operation_id          INTEGER NOT NULL REFERENCES operations(id),
    plan                  TEXT NOT NULL,
    interval_months       INTEGER NOT NULL CHECK (interval_months > 0),
    licenses_per_month    INTEGER NOT NULL CHECK (licenses_per_month >= 0),
    credits_per_month     INTEGER NOT NULL CHECK (credits_per_month >= 0),
    license_bonus_credits INTEGER NOT NULL CHECK (license_bonus_credits >= 0),
    rollover_cap_months   INTEGER CHECK (rollover_cap_months >= 0),
    price_cents           INTEGER NOT NULL,
    currency              TEXT NOT NULL,
    anchor                INTEGER NOT NULL,
    deliveries            INTEGER NOT NULL CHECK (deliveries >= 0),
    periods               INTEGER NOT NULL CHECK (periods >= 1),
    status                TEXT NOT NULL CHECK (status IN ('active', 'cancelling', 'ended')),
    ended_at              INTEGER,
    -- Derived from the schedule: when the clock must next act (NULL once ended).
    next_event_at         INTEGER
);
CREATE UNIQUE INDEX one_running_subscription ON subscriptions(account_id) WHERE status <> 'ended';
CREATE INDEX subscriptions_by_account ON subscriptions(account_id, id);
CREATE INDEX subscriptions_due ON subscriptions(next_event_at) WHERE next_event_at IS NOT NULL;

CREATE TABLE lots (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    operation_id    INTEGER NOT NULL REFERENCES operations(id),
    asset           TEXT NOT NULL CHECK (asset IN ('credits', 'licenses')),
    -- CHECKs spelt as OR chains: an IN list of four or more values costs an
    -- ephemeral table on every insert.
    source          TEXT NOT NULL CHECK (source = 'signup' OR source = 'credit_pack' OR source = 'license_pack'
                                         OR source = 'license_bonus' OR source = 'subscription'),
    granted         INTEGER NOT NULL CHECK (granted > 0),
    remaining       INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= granted),
    granted_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    subscription_id INTEGER REFERENCES subscriptions(id),
    CHECK ((source = 'subscription') = (subscription_id IS NOT NULL))
);
CREATE INDEX lots_by_account ON lots(account_id, id);
CREATE INDEX lots_live_by_subscription ON lots(subscription_id) WHERE remaining > 0 AND subscription_id IS NOT NULL;
CREATE INDEX lots_one_time_due ON lots(expires_at) WHERE remaining > 0 AND subscription_id IS NULL;

-- One signed change to one lot; a lot's remaining always equals the sum of its entries.
CREATE TABLE ledger (
    id            INTEGER PRIMARY KEY,
    operation_id  INTEGER NOT NULL REFERENCES operations(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    lot_id        INTEGER NOT NULL REFERENCES lots(id),
    asset         TEXT NOT NULL CHECK (asset IN ('credits', 'licenses')),
    delta         INTEGER NOT NULL CHECK (delta <> 0),
    reason        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    note          TEXT
);
CREATE INDEX ledger_by_account ON ledger(account_id, at, id);
CREATE INDEX ledger_by_lot ON ledger(lot_id);

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    operation_id  INTEGER NOT NULL REFERENCES operations(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    product       TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    price_cents   INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    at            INTEGER NOT NULL
);
CREATE INDEX orders_by_account ON orders(account_id, id);

CREATE TABLE charges (
    id              INTEGER PRIMARY KEY,
    operation_id    INTEGER NOT NULL REFERENCES operations(id),
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    amount_cents    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    period_start    INTEGER NOT NULL,
    period_end      INTEGER NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX charges_by_account ON charges(account_id, id);

CREATE TABLE styles (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    operation_id  INTEGER NOT NULL REFERENCES operations(id),
    name          TEXT NOT NULL,
    credits       INTEGER NOT NULL,
    trained_at    INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

-- id is the N of img-N, numbered across the whole wallet.
CREATE TABLE images (
    id                    INTEGER PRIMARY KEY,
    account_id            INTEGER NOT NULL REFERENCES accounts(id),
    operation_id          INTEGER NOT NULL REFERENCES operations(id),
    style_kind            TEXT NOT NULL CHECK (style_kind = 'base' OR style_kind = 'agentic'
                                               OR style_kind = 'private' OR style_kind = 'artist'),
    style_name            TEXT,
    created_at            INTEGER NOT NULL,
    licensed_at           INTEGER,
    license_operation_id  INTEGER REFERENCES operations(id)
);
CREATE INDEX images_by_account ON images(account_id, id);

CREATE TABLE edits (
    id            INTEGER PRIMARY KEY,
    image_id      INTEGER NOT NULL REFERENCES images(id),
    operation_id  INTEGER NOT NULL REFERENCES operations(id),
    op            TEXT NOT NULL,
    credits       INTEGER NOT NULL,
    at            INTEGER NOT NULL
);
CREATE INDEX edits_by_image ON edits(image_id, id);
