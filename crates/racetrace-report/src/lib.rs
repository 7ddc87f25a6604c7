//! # racetrace-report
//!
//! Pictures of racetrace's traces and the offline HTML report, above the
//! core library: [`diagram`] draws any [`racetrace::Trace`] (one lane per
//! thread, arrows for what ordered one thread after another, preemptions
//! shaded) as SVG or Mermaid; [`html`] gathers the built-in patterns'
//! checks into one page (`racetrace report --out DIR`).

#![deny(missing_docs)]

pub mod diagram;
pub mod html;
