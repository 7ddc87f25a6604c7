//! Panics inside an exploration are outcomes: racetrace records them and keeps
//! them off stderr. Everywhere else the previous hook runs as usual.

use std::any::Any;
use std::cell::Cell;
use std::sync::Once;

std::thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// `original` is the hook that was there before racetrace; `shuttle` is the
/// hook shuttle installed over it. Inside a shuttle execution that racetrace
/// does not run, shuttle's hook reports the failing schedule as usual;
/// everywhere else the original hook runs, untouched.
pub(crate) fn install(original: Hook, shuttle: Hook) {
    std::panic::set_hook(Box::new(move |info| {
        if QUIET.with(Cell::get) {
            return;
        }
        if shuttle::current::try_get_current_task().is_some() {
            shuttle(info);
        } else {
            original(info);
        }
    }));
}

/// Silence panics on this OS thread while the guard lives.
pub(crate) struct Quiet(bool);

impl Quiet {
    pub(crate) fn new() -> Quiet {
        Quiet(QUIET.with(|q| q.replace(true)))
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        let old = self.0;
        QUIET.with(|q| q.set(old));
    }
}

/// The text of a panic payload.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Install racetrace's panic hook once: panics inside an exploration are
/// outcomes, not noise, so they are not printed there.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // shuttle installs its own hook on its first execution, wrapping the
        // hook it finds. Take the hook that is there now, let shuttle install
        // its own (one empty execution), and put racetrace's over both.
        let original = std::panic::take_hook();
        shuttle::Runner::new(
            shuttle::scheduler::RandomScheduler::new_from_seed(0, 1),
            shuttle::Config::new(),
        )
        .run(|| {});
        let shuttle_hook = std::panic::take_hook();
        install(original, shuttle_hook);
    });
}
