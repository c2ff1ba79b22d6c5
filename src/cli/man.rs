//! `sagasim man`: the man pages, generated from the same definitions as `--help`: the main
//! page, one page per subcommand with its options (the main page refers to them as
//! `sagasim-run(1)` and so on), each with the exit codes.

use std::path::Path;

use clap::CommandFactory;

use super::args::Cli;
use super::output::note;
use super::{CliError, print, write_atomically};

/// The exit codes, as every page states them.
const EXIT_STATUS: [(&str, &str); 6] = [
    ("0", "Success."),
    (
        "1",
        "Anything else went wrong (an output folder that cannot be written, say).",
    ),
    (
        "2",
        "Bad input: the scenario or a flag (the message names the file, line, column and key); \
         also a run refused by its budget, and an output folder another process is writing or \
         that holds another configuration's results.",
    ),
    (
        "3",
        "The results break an --assert bound (they are written first).",
    ),
    (
        "4",
        "A run stopped by its budget under overload (its files are written, marked truncated).",
    ),
    (
        "5",
        "advise found no design that meets every SLO (its files are written).",
    ),
];

/// One page: clap_mangen's sections, then EXIT STATUS.
fn page(command: clap::Command) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut bytes)
        .map_err(anyhow::Error::from)?;
    let mut roff = clap_mangen::roff::Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_STATUS {
        roff.control("TP", []);
        roff.text([clap_mangen::roff::bold(code)]);
        roff.text([clap_mangen::roff::roman(meaning)]);
    }
    roff.to_writer(&mut bytes).map_err(anyhow::Error::from)?;
    Ok(bytes)
}

/// Every page: the main one and each subcommand's, with their file names.
fn pages() -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![("sagasim.1".to_string(), page(command.clone())?)];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or(sub.get_name()).to_string();
        pages.push((format!("{name}.1"), page(sub.clone())?));
    }
    Ok(pages)
}

pub fn man_command(subcommand: Option<&str>, dir: Option<&Path>) -> Result<(), CliError> {
    let pages = pages()?;
    if let Some(dir) = dir {
        sagasim::files::create_dir_all(dir)
            .map_err(|e| CliError::Input(format!("--dir {}: {e}", dir.display())))?;
        for (name, bytes) in &pages {
            let file = dir.join(name);
            write_atomically(&file, bytes)?;
            note(format_args!("wrote {}", file.display()));
        }
        return Ok(());
    }
    let wanted = match subcommand {
        None => "sagasim.1".to_string(),
        Some(name) => format!("sagasim-{name}.1"),
    };
    match pages.iter().find(|(name, _)| *name == wanted) {
        Some((_, bytes)) => print(&String::from_utf8_lossy(bytes)),
        None => {
            let names: Vec<&str> = pages
                .iter()
                .filter_map(|(name, _)| name.strip_prefix("sagasim-")?.strip_suffix(".1"))
                .collect();
            Err(CliError::Input(format!(
                "man {}: no such subcommand; expected one of {}",
                subcommand.unwrap_or_default(),
                names.join(", ")
            )))
        }
    }
}
