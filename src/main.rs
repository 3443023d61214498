//! The `apparat` command line. It parses arguments, calls the library, writes files and
//! prints diagnostics; the pipeline itself lives in the library.
//!
//! `args` holds every clap type; `cmd/` one module per subcommand, each with one entry point.
//!
//! Exit codes: 0 success, 1 errors in the edition, 2 usage errors.

mod args;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // `--help` and `--version` come here too, and succeed.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    dispatch(&cli)
}

/// Run the subcommand: one line each.
fn dispatch(cli: &Cli) -> ExitCode {
    let report = &cli.report;
    match &cli.command {
        Command::Build(args) => cmd::build::build(report, args),
        Command::Check(args) => cmd::check::check(report, args),
        Command::Watch(args) => cmd::watch::watch(report, args),
        Command::Init(args) => cmd::init::init(report, args),
        Command::Export(args) => cmd::export::export(report, args),
        Command::Import(args) => cmd::import::import(report, args),
        Command::Fonts(args) => cmd::fonts::fonts(report, args),
        Command::Template(args) => cmd::template::template(report, args),
        Command::Stress(args) => cmd::stress::stress(report, args),
        Command::Bench(args) => cmd::bench::bench(args),
        Command::BenchOne(args) => cmd::bench::bench_one(args),
    }
}
