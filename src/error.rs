//! The program's one error type and its exit codes (SPEC §10):
//! 2 usage, 3 refused by a rule, 1 anything else.

use crate::rules::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, a bad duration or date (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Refused by a rule (exit 3), named with the topic that explains it.
    #[error("{0} (see: wallet help rules {topic})", topic = .0.topic())]
    Refused(#[from] Refusal),
    /// A failure that keeps another failure's exit code with more words
    /// (a scenario line: `FILE:LINE: …`).
    #[error("{1}")]
    Coded(i32, String),
    /// I/O, a corrupt or newer wallet, an invalid pricing file (exit 1).
    #[error("{}", failure(.0))]
    Failed(#[from] anyhow::Error),
}

/// A failure with its causes, except that a write the disk would not take
/// says so in words (and what to do) instead of `SQLite`'s "disk I/O error".
fn failure(e: &anyhow::Error) -> String {
    let Some((depth, why)) = no_room(e) else {
        return format!("{e:#}");
    };
    // What the program was doing (the contexts above the cause), then why it failed.
    let doing: Vec<String> = e.chain().take(depth).map(ToString::to_string).collect();
    if doing.is_empty() {
        why
    } else {
        format!("{}: {why}", doing.join(": "))
    }
}

/// Why a write failed for want of room, if it did: a full disk (`SQLite`'s
/// `SQLITE_FULL`, ENOSPC, EDQUOT), a file size limit (EFBIG), or a write the
/// file system refused while such a limit is set.
fn no_room(e: &anyhow::Error) -> Option<(usize, String)> {
    let full = "the disk holding the wallet is full: free some space (see df), then run the command again";
    for (depth, cause) in e.chain().enumerate() {
        if let Some(rusqlite::Error::SqliteFailure(failure, _)) = cause.downcast_ref::<rusqlite::Error>() {
            match failure.code {
                rusqlite::ErrorCode::DiskFull => return Some((depth, full.to_owned())),
                rusqlite::ErrorCode::SystemIoFailure
                    if matches!(
                        failure.extended_code,
                        rusqlite::ffi::SQLITE_IOERR_WRITE | rusqlite::ffi::SQLITE_IOERR_TRUNCATE
                    ) =>
                {
                    let why = file_size_limit().map_or_else(
                        || "the disk would not take a write (it may be full or failing: see df), so run the command again once it has room".to_owned(),
                        size_limit_advice,
                    );
                    return Some((depth, why));
                }
                _ => {}
            }
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.raw_os_error() {
                Some(libc::ENOSPC | libc::EDQUOT) => return Some((depth, full.to_owned())),
                Some(libc::EFBIG) => return Some((depth, size_limit_advice(file_size_limit().unwrap_or(0)))),
                _ => {}
            }
        }
    }
    None
}

fn size_limit_advice(bytes: u64) -> String {
    let limit = if bytes == 0 {
        String::new()
    } else {
        format!(" of {} KiB", bytes / 1024)
    };
    format!(
        "a file would grow past this process's file size limit{limit} (ulimit -f): raise the limit, then run the command again"
    )
}

/// The file size limit this process runs under (`ulimit -f`), if it has one.
fn file_size_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &raw mut limit) };
        (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    None
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => 1,
            Error::Coded(code, _) => *code,
            Error::Usage(_) => 2,
            Error::Refused(_) => 3,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }
}

impl From<crate::pricing::PricingError> for Error {
    fn from(e: crate::pricing::PricingError) -> Error {
        Error::Failed(anyhow::Error::new(e))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Failed(anyhow::Error::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> anyhow::Error {
        anyhow::Error::new(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    #[test]
    fn a_full_disk_is_named_with_what_to_do_and_what_was_being_done() {
        let e = Error::Failed(
            sqlite(rusqlite::ffi::SQLITE_FULL).context("cannot commit to the wallet; nothing was changed"),
        );
        assert_eq!(
            e.to_string(),
            "cannot commit to the wallet; nothing was changed: the disk holding the wallet is full: free some space (see df), then run the command again"
        );
        let e = Error::Failed(anyhow::Error::new(std::io::Error::from_raw_os_error(libc::ENOSPC)));
        assert!(e.to_string().starts_with("the disk holding the wallet is full"), "{e}");
        // Other failures keep every cause.
        let e = Error::Failed(sqlite(rusqlite::ffi::SQLITE_CORRUPT).context("cannot read the wallet"));
        assert!(e.to_string().starts_with("cannot read the wallet: "), "{e}");
        assert!(!e.to_string().contains("full"), "{e}");
    }
}
