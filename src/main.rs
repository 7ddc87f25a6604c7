//! The `racetrace` binary: a thin front end over the library.

mod cli;

use clap::Parser;
use clap::error::ErrorKind;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A worker process started by racetrace::process runs its role and
    // exits; the built-in patterns' demo workers are registered first.
    racetrace_patterns::fixtures::install();
    if let Some(code) = racetrace::process::worker_main() {
        std::process::exit(code);
    }
    // Die quietly on a closed pipe (`racetrace list | head`), as Unix tools do.
    // SAFETY: resetting a signal disposition to its default before any thread
    // is started.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                std::process::exit(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            _ => {
                // One line: clap's first line, without its usage block.
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("error: bad arguments");
                eprintln!("racetrace: {}", first.trim_start_matches("error: "));
                std::process::exit(2);
            }
        },
    };
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("racetrace: {e}");
            std::process::exit(2);
        }
    }
}
