//! The `sagasim` binary: parse arguments, call the library, report errors with exit codes
//! 0 (success), 2 (bad input: scenario or flags, a budget exceeded, an output folder in
//! use or holding another configuration), 3 (results that break an `--assert`, written
//! first), 4 (a run stopped by overload, its files written and marked truncated) and 1
//! (anything else).

use clap::Parser;

mod cli;

use cli::{Cli, command_line, execute, render_error, set_quiet};

fn main() {
    sagasim::files::report_oversized_writes();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            std::process::exit(code);
        }
    };
    set_quiet(cli.quiet);
    sagasim::files::set_durable(!cli.no_sync);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(error) = execute(cli, command_line(&args)) {
        eprintln!("{}", render_error(&error));
        std::process::exit(error.exit_code());
    }
}
