//! `SQLite`'s memory from mimalloc (the binary's allocator too) instead of
//! the C library's `malloc`.
//!
//! A replayed line runs in a savepoint, and `SQLite` keeps the savepoint's
//! undo in 1 KiB chunks that it allocates and frees again for every line:
//! some forty `malloc`/`free` pairs a line, just above the C library's
//! per-thread cache, took a tenth of a replay's instructions.

use std::ffi::{c_int, c_void};
use std::ptr::null_mut;

use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc, mi_usable_size};
use rusqlite::ffi;

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: mi_malloc takes any size; its blocks are at least 8-aligned.
        Ok(size) => unsafe { mi_malloc(size) },
        Err(_) => null_mut(),
    }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    // SAFETY: SQLite frees only blocks this allocator handed out, once (or null).
    unsafe { mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    match usize::try_from(n) {
        // SAFETY: `p` is a live block from mi_malloc or mi_realloc.
        Ok(size) => unsafe { mi_realloc(p, size) },
        Err(_) => null_mut(),
    }
}

/// The block's usable size, which `SQLite` allows to exceed the size asked for.
unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    // SAFETY: `p` is a live block from this allocator.
    let size = unsafe { mi_usable_size(p) };
    c_int::try_from(size).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    n.checked_add(7).map_or(n, |m| m & !7)
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Hands `SQLite`'s allocations to mimalloc.
///
/// # Safety
/// Must run before `SQLite` is initialised (before any connection opens);
/// afterwards `SQLite` refuses the change and keeps its own allocator.
pub(super) unsafe fn use_mimalloc() {
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: null_mut(),
    };
    // SAFETY: SQLite copies the methods, plain functions that live as long
    // as the program; the caller runs this before SQLite starts.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &raw const methods);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_sized_and_keep_their_contents_through_a_realloc() {
        // SAFETY: each block is used within its size and freed once.
        unsafe {
            let p = x_malloc(13);
            assert!(!p.is_null());
            assert_eq!(p as usize % 8, 0);
            assert!(x_size(p) >= 13);
            p.cast::<u8>().write_bytes(0xab, 13);
            let q = x_realloc(p, 5000);
            assert!(x_size(q) >= 5000);
            assert_eq!(q.cast::<u8>().add(12).read(), 0xab, "realloc keeps the contents");
            x_free(q);
            x_free(null_mut());
            assert!(x_malloc(-1).is_null());
            assert_eq!(x_size(null_mut()), 0);
            assert_eq!(x_roundup(13), 16);
            assert_eq!(x_roundup(c_int::MAX), c_int::MAX);
        }
    }
}
