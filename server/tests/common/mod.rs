//! What the tests that run the `plenum` command share.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The `plenum` command, run in `dir` with fast password hashing.
pub fn plenum(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plenum"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("LANG", "en_GB.UTF-8")
        .env("PLENUM_ACCOUNTS__ARGON2_MEMORY_KIB", "64")
        .env("PLENUM_ACCOUNTS__ARGON2_ITERATIONS", "1");
    command
}

/// `plenum serve` on the folder's database; gives the process and its port
/// (read from the first line it prints).
pub fn serve(dir: &std::path::Path) -> (Child, u16) {
    let mut child = plenum(dir)
        .arg("serve")
        .env("PLENUM_SERVER__BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("(port ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (child, port)
}
