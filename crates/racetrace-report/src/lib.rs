//! # racetrace-report
//!
//! Pictures of racetrace's traces and the offline HTML report, above the
//! core library: [`diagram`] draws any [`racetrace::Trace`] (one lane per
//! thread, arrows for what ordered one thread after another, preemptions
//! shaded) as SVG or Mermaid; [`html`] gathers the built-in patterns'
//! checks into one page (`racetrace report --out DIR`); [`junit`] writes
//! the same checks as JUnit XML for CI systems (`racetrace check --junit`);
//! [`out_dir`] writes both whole (built beside, renamed into place).

#![deny(missing_docs)]

pub mod diagram;
mod error;
pub mod html;
pub mod junit;
pub mod out_dir;

pub use error::Error;
