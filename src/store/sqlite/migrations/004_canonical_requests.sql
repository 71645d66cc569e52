-- Schema 4: the request an idempotency key remembers is stored in its
-- canonical, versioned form (src/rules/idempotency.rs: the command and its arguments as
-- JSON), not in the program's debug notation, so an upgrade of the program no
-- longer changes it. The keys already stored are converted by Rust code run
-- with this migration (`canonical_requests` in src/store/write.rs); this file
-- changes no table.
SELECT 1;
