//! The `plenum` command. Everything it does lives in the library's `cli` module.

/// mimalloc: a server allocates many small, short-lived values per request;
/// the system allocator spent about 15 % of the CPU on them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    plenum::cli::main()
}
