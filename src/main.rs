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
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = e.print();
                std::process::exit(0);
            }
            // A bare `racetrace`: a usage error like any other, in one line.
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                usage_error(cli::NO_COMMAND);
            }
            _ => usage_error(&cli::clap_error_line(&e)),
        },
    };
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => usage_error(&e.to_string()),
    }
}

/// Exit 2 with `message` as the one line on standard error.
fn usage_error(message: &str) -> ! {
    eprintln!("racetrace: {}", cli::one_line(message));
    std::process::exit(2);
}
