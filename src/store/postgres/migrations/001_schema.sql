-- Schema 1 of a wallet on PostgreSQL: the same tables, columns and meanings
-- as a wallet file's latest schema (src/store/sqlite/migrations/), in
-- PostgreSQL's types. Instants are Unix seconds (UTC); amounts are whole
-- numbers; money is in minor units of its currency. Ids are given by the
-- writer, which holds the wallet row locked (src/store/postgres/ids.rs), so
-- they are dense and kept by a copy. Handles and names sort byte by byte
-- (COLLATE "C"), as in a wallet file. A reference to another table's row
-- (account_id, operation_id, lot_id, subscription_id, image_id) is a row the
-- writer has just read or made under the wallet's lock; `wallet verify` checks
-- every one (src/store/postgres/verify.rs). They are not foreign keys: checking
-- them on the server took a quarter of a replay's time there.

CREATE TABLE wallet (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    -- The number of this file's migrations applied.
    schema      BIGINT NOT NULL,
    clock       BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Counts committed writes: a batch that sees it move forgets what it remembered.
    writes      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
    id          BIGINT PRIMARY KEY,
    handle      TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE operations (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    actor       TEXT
);
CREATE INDEX operations_by_account ON operations(account_id, id);

CREATE TABLE subscriptions (
    id                    BIGINT PRIMARY KEY,
    account_id            BIGINT NOT NULL,
    operation_id          BIGINT NOT NULL,
    plan                  TEXT NOT NULL,
    interval_months       BIGINT NOT NULL CHECK (interval_months > 0),
    licenses_per_month    BIGINT NOT NULL CHECK (licenses_per_month >= 0),
    credits_per_month     BIGINT NOT NULL CHECK (credits_per_month >= 0),
    license_bonus_credits BIGINT NOT NULL CHECK (license_bonus_credits >= 0),
    rollover_cap_months   BIGINT CHECK (rollover_cap_months >= 0),
    price_cents           BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    anchor                BIGINT NOT NULL,
    deliveries            BIGINT NOT NULL CHECK (deliveries >= 0),
    periods               BIGINT NOT NULL CHECK (periods >= 1),
    status                TEXT NOT NULL CHECK (status IN ('active', 'cancelling', 'ended')),
    ended_at              BIGINT,
    next_event_at         BIGINT
);
CREATE UNIQUE INDEX one_running_subscription ON subscriptions(account_id) WHERE status <> 'ended';
CREATE INDEX subscriptions_by_account ON subscriptions(account_id, id);
CREATE INDEX subscriptions_due ON subscriptions(next_event_at) WHERE next_event_at IS NOT NULL;

CREATE TABLE lots (
    id              BIGINT PRIMARY KEY,
    account_id      BIGINT NOT NULL,
    operation_id    BIGINT NOT NULL,
    asset           TEXT NOT NULL CHECK (asset IN ('credits', 'licenses')),
    source          TEXT NOT NULL CHECK (source IN ('signup', 'credit_pack', 'license_pack', 'license_bonus', 'subscription')),
    granted         BIGINT NOT NULL CHECK (granted > 0),
    remaining       BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= granted),
    granted_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    subscription_id BIGINT,
    CHECK ((source = 'subscription') = (subscription_id IS NOT NULL))
);
CREATE INDEX lots_by_account ON lots(account_id, id);
CREATE INDEX lots_live ON lots(account_id, id) WHERE remaining > 0;
CREATE INDEX lots_one_time_due ON lots(expires_at) WHERE remaining > 0 AND subscription_id IS NULL;

CREATE TABLE ledger (
    id            BIGINT PRIMARY KEY,
    operation_id  BIGINT NOT NULL,
    account_id    BIGINT NOT NULL,
    lot_id        BIGINT NOT NULL,
    asset         TEXT NOT NULL CHECK (asset IN ('credits', 'licenses')),
    delta         BIGINT NOT NULL CHECK (delta <> 0),
    reason        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    note          TEXT
);
CREATE INDEX ledger_by_operation ON ledger(operation_id);

CREATE TABLE orders (
    id            BIGINT PRIMARY KEY,
    operation_id  BIGINT NOT NULL,
    account_id    BIGINT NOT NULL,
    product       TEXT NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    price_cents   BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX orders_by_account ON orders(account_id, id);

CREATE TABLE charges (
    id              BIGINT PRIMARY KEY,
    operation_id    BIGINT NOT NULL,
    account_id      BIGINT NOT NULL,
    subscription_id BIGINT NOT NULL,
    amount_cents    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    period_start    BIGINT NOT NULL,
    period_end      BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX charges_by_account ON charges(account_id, id);

CREATE TABLE styles (
    id            BIGINT PRIMARY KEY,
    account_id    BIGINT NOT NULL,
    operation_id  BIGINT NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    credits       BIGINT NOT NULL,
    trained_at    BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE images (
    id                    BIGINT PRIMARY KEY,
    account_id            BIGINT NOT NULL,
    operation_id          BIGINT NOT NULL,
    style_kind            TEXT NOT NULL CHECK (style_kind IN ('base', 'agentic', 'private', 'artist')),
    style_name            TEXT,
    created_at            BIGINT NOT NULL,
    licensed_at           BIGINT,
    license_operation_id  BIGINT
);
CREATE INDEX images_by_operation ON images(operation_id);

CREATE TABLE edits (
    id            BIGINT PRIMARY KEY,
    image_id      BIGINT NOT NULL,
    operation_id  BIGINT NOT NULL,
    op            TEXT NOT NULL,
    credits       BIGINT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX edits_by_image ON edits(image_id, id);

CREATE TABLE idempotency_keys (
    key           TEXT PRIMARY KEY,
    request       TEXT NOT NULL,
    human         TEXT NOT NULL,
    json          TEXT NOT NULL,
    operation_at  BIGINT NOT NULL,
    actor         TEXT
);
