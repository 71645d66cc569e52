//! `SQLite` failures in the wallet's words: what went wrong with the file and
//! what to do.

use anyhow::anyhow;

use super::settings::BUSY_TIMEOUT;

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// An `SQLite` failure in the wallet's words: what went wrong with the file
/// and what to do, instead of `SQLite`'s bare codes ("Error code 1544").
pub(crate) fn explain(e: rusqlite::Error, location: &str) -> anyhow::Error {
    use rusqlite::ErrorCode as Code;
    let (code, extended, detail) = match &e {
        rusqlite::Error::SqliteFailure(f, message) => (
            f.code,
            f.extended_code,
            message.clone().unwrap_or_else(|| format!("{:?}", f.code)),
        ),
        _ => return anyhow!(e).context(format!("cannot use the wallet {location}")),
    };
    // A write the disk would not take is named where the error is shown (crate::error).
    let no_room = code == Code::DiskFull
        || (code == Code::SystemIoFailure
            && matches!(
                extended,
                rusqlite::ffi::SQLITE_IOERR_WRITE | rusqlite::ffi::SQLITE_IOERR_TRUNCATE
            ));
    if no_room {
        return anyhow!(e);
    }
    let what = match code {
        Code::NotADatabase => {
            format!("{location} is not a wallet file (SQLite could not read it); point --db at a wallet")
        }
        Code::DatabaseBusy | Code::DatabaseLocked => format!(
            "{location} is busy: other commands kept it locked for {}s; run the command again",
            BUSY_TIMEOUT.as_secs()
        ),
        Code::ReadOnly => format!(
            "cannot write to {location}: the file, its -wal and -shm companions or its folder are read-only; make them writable (chmod u+w) or point --db at a writable copy"
        ),
        Code::CannotOpen => format!(
            "cannot open {location}: SQLite needs to read the file and to create its -wal and -shm companions beside it; check the folder's permissions"
        ),
        Code::SystemIoFailure => format!(
            "an input/output error on {location} (SQLite code {extended}); check that the disk is not full, the file size limit (ulimit -f) and the file's permissions"
        ),
        Code::PermissionDenied => {
            format!("permission denied on {location}; check the file's and its folder's permissions")
        }
        _ => return anyhow!(e).context(format!("cannot use the wallet {location}")),
    };
    anyhow!("{what} (SQLite: {detail})")
}

#[cfg(test)]
mod message_tests {
    use std::time::Duration;

    use rusqlite::Connection;

    use super::*;
    use crate::store::sqlite::transaction::begin_immediate;

    /// Issue: "database is locked" after the busy timeout, with no advice.
    #[test]
    fn a_wallet_kept_busy_says_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sqlite3");
        let holder = Connection::open(&path).expect("open");
        holder
            .execute_batch("PRAGMA journal_mode = WAL; BEGIN IMMEDIATE")
            .expect("lock");
        let waiter = Connection::open(&path).expect("open again");
        waiter.busy_timeout(Duration::from_millis(5)).expect("timeout");
        let message = format!("{:#}", begin_immediate(&waiter).expect_err("busy"));
        assert!(message.contains("the wallet is busy"), "{message}");
        assert!(message.contains("run the command again"), "{message}");
    }

    #[test]
    fn sqlite_failures_are_said_in_words_without_codes() {
        let failure = |code: std::ffi::c_int| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        for (code, words) in [
            (rusqlite::ffi::SQLITE_FULL, "is full"),
            (rusqlite::ffi::SQLITE_READONLY_DIRECTORY, "read-only"),
            (rusqlite::ffi::SQLITE_IOERR_SHMSIZE, "input/output error"),
            (rusqlite::ffi::SQLITE_CANTOPEN, "cannot open"),
        ] {
            let message = crate::error::Error::Failed(explain(failure(code), "w.sqlite3")).to_string();
            assert!(message.contains(words), "{code}: {message}");
            assert!(!message.contains("Error code"), "{code}: {message}");
        }
    }
}
