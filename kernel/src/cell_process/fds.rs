//! File-descriptor plumbing for the cell process.
//!
//! Before: fd 0 is evcxr's command pipe, fd 1 is read by evcxr. After:
//!
//! ```text
//! fd 0  <- stdin pipe, written by the stdin relay        (cells read here)
//! fd 1  -> relay pipe, read by the stdout relay          (cells print here)
//! commands     = the old fd 0 (evcxr's command pipe)
//! real_stdout  = the old fd 1 (to evcxr)
//! ```
//!
//! The kept descriptors are close-on-exec, so programs a cell starts inherit only the new
//! fd 0 and fd 1 and their output still flows through the relay.

use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The cell process's descriptors after redirection.
pub struct Redirected {
    /// evcxr's command pipe.
    pub commands: File,
    /// evcxr's end of our stdout.
    pub real_stdout: File,
    /// What cells print arrives here.
    pub relay_in: File,
    /// What we write here, cells read from stdin.
    pub stdin_writer: File,
}

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// A close-on-exec copy of `fd`.
fn duplicate(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that we exclusively own.
    let copy = check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// A new pipe as (read end, write end), both close-on-exec.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors pipe2 writes; we own both afterwards.
    check(unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) })?;
    Ok(unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) })
}

/// Makes `target` (0 or 1) refer to `source`'s file; `target` is inherited by children.
pub fn replace(target: RawFd, source: &OwnedFd) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: dup2 atomically replaces `target`; `source` stays valid and owned by the caller.
    check(unsafe { libc::dup2(source.as_raw_fd(), target) }).map(drop)
}

impl Redirected {
    /// Performs the redirection described in the module docs.
    pub fn install() -> io::Result<Redirected> {
        let commands = duplicate(0)?;
        let real_stdout = duplicate(1)?;
        let (stdin_reader, stdin_writer) = pipe()?;
        let (relay_in, relay_out) = pipe()?;
        replace(0, &stdin_reader)?;
        replace(1, &relay_out)?;
        Ok(Redirected {
            commands: File::from(commands),
            real_stdout: File::from(real_stdout),
            relay_in: File::from(relay_in),
            stdin_writer: File::from(stdin_writer),
        })
    }
}
