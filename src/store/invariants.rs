//! Invariants written once in the SQL both backends run as it is; each
//! query returns one row per violation, as text (`wallet verify`).

/// The invariants of corrections (a wallet file of an older schema, read as
/// it is, has none): a void voids one buy or grant of its own account, and
/// what that operation's lots held is gone.
pub(super) const CORRECTIONS: &[(&str, &str)] = &[
    (
        "a void unlike what it voids",
        // Only a buy or a grant of the same account is voided, by a void, and a void voids one.
        "SELECT 'operation ' || v.id || ' (' || v.kind || ') voids operation ' || v.voids
              || CASE WHEN o.id IS NULL THEN ', which does not exist'
                      WHEN o.kind NOT IN ('buy', 'grant') THEN ', a ' || o.kind || ', not a buy or a grant'
                      WHEN v.kind <> 'void' THEN ', but is not a void'
                      ELSE ' of another account' END
         FROM operations v LEFT JOIN operations o ON o.id = v.voids
         WHERE v.voids IS NOT NULL
           AND (o.id IS NULL OR o.kind NOT IN ('buy', 'grant') OR v.kind <> 'void' OR o.account_id IS DISTINCT FROM v.account_id)
         UNION ALL SELECT 'operation ' || id || ' is a void that voids nothing' FROM operations
         WHERE kind = 'void' AND voids IS NULL",
    ),
    (
        "a voided operation's lot still holds something",
        "SELECT 'lot ' || l.id || ' of operation ' || v.voids || ', voided by operation ' || v.id || ', still holds '
              || l.remaining || ' ' || l.asset
         FROM operations v JOIN lots l ON l.operation_id = v.voids AND l.account_id = v.account_id
         WHERE v.voids IS NOT NULL AND l.remaining > 0",
    ),
];
