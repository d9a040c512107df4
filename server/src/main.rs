//! The `plenum` command. Everything it does lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    plenum::cli::main()
}
