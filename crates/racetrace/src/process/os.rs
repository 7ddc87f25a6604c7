//! Real processes and pipes (Linux): child processes started from the
//! program's own executable (or the one `set_worker_exe` names) with a role in their environment (never a bare
//! `fork`), pipes shared by inheriting their descriptors, and a table of the
//! children still alive so that a timed-out run can name and kill them.
//!
//! Every descriptor is non-blocking and every wait is a `poll` with a short
//! time-out between checks, so a reader notices a worker that died instead
//! of hanging; a reader or writer of a pipe shared by several processes
//! holds a lock made of a second pipe holding a single byte (taking the
//! byte is taking the lock), which exec'd children inherit like the pipe.

use super::error::{ProcessError, WORKER_ENV, WORKER_EXE_ENV};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

/// How long a blocked pipe operation sleeps between checks of its watch list.
const TICK_MS: i32 = 20;
/// A write of at most this many bytes to a pipe is atomic (POSIX `PIPE_BUF`).
const PIPE_BUF: usize = 4096;
/// The largest frame accepted; a longer header is a malformed frame.
pub(crate) const MAX_FRAME: usize = 1 << 30;
pub(crate) const HEADER: usize = crate::traced::sync::pipe::HEADER;

pub(crate) fn exe_override() -> &'static Mutex<Option<std::path::PathBuf>> {
    static EXE: OnceLock<Mutex<Option<std::path::PathBuf>>> = OnceLock::new();
    EXE.get_or_init(|| Mutex::new(None))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn os_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded: both descriptors are open and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Wait until `fd` is ready for `events`, calling `check` every tick.
fn wait_fd(
    fd: RawFd,
    events: libc::c_short,
    check: &mut dyn FnMut() -> Result<(), ProcessError>,
) -> Result<(), ProcessError> {
    loop {
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, TICK_MS) };
        if r > 0 {
            return Ok(());
        }
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(ProcessError::Io(e.to_string()));
            }
        }
        check()?;
    }
}

fn write_all(
    fd: RawFd,
    mut bytes: &[u8],
    check: &mut dyn FnMut() -> Result<(), ProcessError>,
) -> Result<(), ProcessError> {
    while !bytes.is_empty() {
        // SAFETY: writing from a valid slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            bytes = &bytes[n as usize..];
            continue;
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::WouldBlock => wait_fd(fd, libc::POLLOUT, check)?,
            io::ErrorKind::Interrupted => {}
            _ => return Err(ProcessError::Io(e.to_string())),
        }
    }
    Ok(())
}

/// Fill `buf`; `Ok(false)` on end of file before the first byte.
fn read_exact(
    fd: RawFd,
    buf: &mut [u8],
    check: &mut dyn FnMut() -> Result<(), ProcessError>,
) -> Result<bool, ProcessError> {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into a valid slice.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n > 0 {
            got += n as usize;
            continue;
        }
        if n == 0 {
            if got == 0 {
                return Ok(false);
            }
            return Err(ProcessError::Malformed(format!(
                "the pipe closed after {got} of {} bytes",
                buf.len()
            )));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::WouldBlock => wait_fd(fd, libc::POLLIN, check)?,
            io::ErrorKind::Interrupted => {}
            _ => return Err(ProcessError::Io(e.to_string())),
        }
    }
    Ok(true)
}

/// A lock shared between processes: a pipe holding one token byte.
struct TokenLock {
    r: OwnedFd,
    w: OwnedFd,
}

impl TokenLock {
    fn new() -> io::Result<TokenLock> {
        let (r, w) = os_pipe()?;
        let l = TokenLock { r, w };
        l.release();
        Ok(l)
    }
    fn acquire(
        &self,
        check: &mut dyn FnMut() -> Result<(), ProcessError>,
    ) -> Result<(), ProcessError> {
        let mut b = [0u8];
        if read_exact(self.r.as_raw_fd(), &mut b, check)? {
            Ok(())
        } else {
            Err(ProcessError::Io("a queue lock was closed".into()))
        }
    }
    fn release(&self) {
        // One byte into an empty pipe: cannot block or fail short.
        // SAFETY: writing one byte from a valid buffer.
        unsafe { libc::write(self.w.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
    }
}

/// A child being watched by a pipe: its reader turns the child's failure
/// into an error instead of waiting for data that will never come.
struct Watched {
    child: Weak<ChildSlot>,
    reported: bool,
}

/// A real pipe carrying frames, with its two locks.
pub(crate) struct OsPipe {
    pub(crate) name: String,
    data_r: OwnedFd,
    data_w: OwnedFd,
    read_lock: TokenLock,
    write_lock: TokenLock,
    capacity: usize,
    watch: Mutex<Vec<Watched>>,
    /// Report a watched child's every exit, status 0 included, while the
    /// pipe is empty (a pool's result queue: a worker that exits before it
    /// answers has failed its task).
    pub(crate) every_exit: std::sync::atomic::AtomicBool,
}

impl OsPipe {
    /// A new pipe; `capacity` asks the kernel for that buffer size (it
    /// rounds up to a power of two pages).
    pub(crate) fn new(name: &str, capacity: Option<usize>) -> Result<OsPipe, ProcessError> {
        let io = |e: io::Error| ProcessError::Io(format!("creating pipe {name}: {e}"));
        let (data_r, data_w) = os_pipe().map_err(io)?;
        if let Some(c) = capacity {
            // SAFETY: fcntl on our own descriptor.
            if unsafe { libc::fcntl(data_w.as_raw_fd(), libc::F_SETPIPE_SZ, c as libc::c_int) } < 0
            {
                return Err(io(io::Error::last_os_error()));
            }
        }
        // SAFETY: fcntl on our own descriptor.
        let capacity = unsafe { libc::fcntl(data_w.as_raw_fd(), libc::F_GETPIPE_SZ) };
        Ok(OsPipe {
            name: name.to_string(),
            data_r,
            data_w,
            read_lock: TokenLock::new().map_err(io)?,
            write_lock: TokenLock::new().map_err(io)?,
            capacity: capacity.max(PIPE_BUF as libc::c_int) as usize,
            watch: Mutex::new(Vec::new()),
            every_exit: Default::default(),
        })
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The six descriptors a child inherits, in `from_fds` order.
    fn fds(&self) -> [RawFd; 6] {
        [
            self.data_r.as_raw_fd(),
            self.data_w.as_raw_fd(),
            self.read_lock.r.as_raw_fd(),
            self.read_lock.w.as_raw_fd(),
            self.write_lock.r.as_raw_fd(),
            self.write_lock.w.as_raw_fd(),
        ]
    }

    /// `name:capacity:fd,fd,fd,fd,fd,fd`, for a child's environment.
    fn describe_fds(&self) -> String {
        let fds: Vec<String> = self.fds().iter().map(|f| f.to_string()).collect();
        format!("{}:{}:{}", self.name, self.capacity, fds.join(","))
    }

    /// The pipe a child inherited, from its `describe_fds` form.
    fn from_fds(s: &str) -> Option<OsPipe> {
        let mut it = s.splitn(3, ':');
        let name = it.next()?.to_string();
        let capacity = it.next()?.parse().ok()?;
        let fds: Vec<RawFd> = it
            .next()?
            .split(',')
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        if fds.len() != 6 {
            return None;
        }
        for fd in &fds {
            // SAFETY: F_GETFD only queries the descriptor.
            if unsafe { libc::fcntl(*fd, libc::F_GETFD) } < 0 {
                return None;
            }
        }
        // SAFETY: the parent passed these descriptors to this process alone
        // (see `spawn`); each is taken over exactly once.
        let own = |i: usize| unsafe { OwnedFd::from_raw_fd(fds[i]) };
        Some(OsPipe {
            name,
            data_r: own(0),
            data_w: own(1),
            read_lock: TokenLock {
                r: own(2),
                w: own(3),
            },
            write_lock: TokenLock {
                r: own(4),
                w: own(5),
            },
            capacity,
            watch: Mutex::new(Vec::new()),
            every_exit: Default::default(),
        })
    }

    /// Watch `child`: a blocked reader checks on it.
    pub(crate) fn watch(&self, child: &Arc<ChildSlot>) {
        lock(&self.watch).push(Watched {
            child: Arc::downgrade(child),
            reported: false,
        });
    }

    /// The reader's check while the pipe is empty: a watched child that
    /// failed is reported (once); if every watched child has exited, nothing
    /// will come.
    fn check_writers(&self) -> Result<(), ProcessError> {
        let mut w = lock(&self.watch);
        let mut alive = 0;
        let mut any = false;
        let mut failed = None;
        let every = self.every_exit.load(std::sync::atomic::Ordering::Relaxed);
        for (i, entry) in w.iter().enumerate() {
            let Some(child) = entry.child.upgrade() else {
                continue;
            };
            any = true;
            match child.peek() {
                None => alive += 1,
                Some(Status::Exited(0)) if !every => {}
                Some(status) if !entry.reported && failed.is_none() => {
                    failed = Some((i, child, status))
                }
                Some(_) => {}
            }
        }
        // Looked at after the children: what a child wrote before it ended
        // is read first.
        if self.buffered() > 0 {
            return Ok(());
        }
        if let Some((i, child, status)) = failed {
            w[i].reported = true;
            return Err(child.failure(status));
        }
        if any && alive == 0 {
            return Err(ProcessError::Closed(self.name.clone()));
        }
        Ok(())
    }

    /// The writer's check while the pipe is full: if every watched child
    /// has ended, nobody will make room.
    fn check_readers(&self) -> Result<(), ProcessError> {
        let w = lock(&self.watch);
        let children: Vec<Arc<ChildSlot>> = w.iter().filter_map(|e| e.child.upgrade()).collect();
        if !children.is_empty() && children.iter().all(|c| c.peek().is_some()) {
            return Err(ProcessError::Closed(self.name.clone()));
        }
        Ok(())
    }

    /// Write one frame (header included).
    pub(crate) fn write_frame(&self, frame: &[u8]) -> Result<(), ProcessError> {
        let mut check = || self.check_readers();
        if frame.len() <= PIPE_BUF {
            // Atomic: no lock needed, and a killed writer cannot leave half a
            // frame behind.
            return write_all(self.data_w.as_raw_fd(), frame, &mut check);
        }
        self.write_lock.acquire(&mut check)?;
        let r = write_all(self.data_w.as_raw_fd(), frame, &mut check);
        self.write_lock.release();
        r
    }

    /// Write raw bytes (for failure-injection workers).
    pub(crate) fn write_raw(&self, bytes: &[u8]) -> Result<(), ProcessError> {
        write_all(self.data_w.as_raw_fd(), bytes, &mut || Ok(()))
    }

    /// Read one frame's body.
    pub(crate) fn read_frame(&self) -> Result<Vec<u8>, ProcessError> {
        let mut check = || self.check_writers();
        self.read_lock.acquire(&mut check)?;
        let r = (|| {
            let fd = self.data_r.as_raw_fd();
            let mut h = [0u8; HEADER];
            if !read_exact(fd, &mut h, &mut check)? {
                return Err(ProcessError::Closed(self.name.clone()));
            }
            let len = u32::from_le_bytes(h) as usize;
            if len > MAX_FRAME {
                return Err(ProcessError::Malformed(format!(
                    "queue {}: a frame header announces {len} bytes (at most {MAX_FRAME})",
                    self.name
                )));
            }
            let mut body = vec![0u8; len];
            // Once a frame has begun, the rest of it is on its way: a writer
            // that dies mid-frame is the only way it does not come.
            read_exact(fd, &mut body, &mut check)?;
            Ok(body)
        })();
        self.read_lock.release();
        r
    }

    /// Bytes in the pipe now.
    fn buffered(&self) -> usize {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int.
        unsafe { libc::ioctl(self.data_r.as_raw_fd(), libc::FIONREAD, &mut n) };
        n.max(0) as usize
    }
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Exited(i32),
    Killed(i32),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exited(c) => write!(f, "exit status {c}"),
            Status::Killed(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// A live (or not yet reaped) child. It stays a zombie until `wait` reaps
/// it under `state`'s lock, so `kill` never signals a reused pid.
pub(crate) struct ChildSlot {
    pub(crate) pid: i32,
    pub(crate) name: String,
    pub(crate) task: String,
    exec: usize,
    pipes: Vec<Arc<OsPipe>>,
    state: Mutex<SlotState>,
    stderr: Mutex<Option<std::process::ChildStderr>>,
}

#[derive(Default)]
struct SlotState {
    reaped: Option<Status>,
    joining: bool,
    killed_by_watchdog: bool,
}

fn live() -> &'static Mutex<Vec<Arc<ChildSlot>>> {
    static LIVE: OnceLock<Mutex<Vec<Arc<ChildSlot>>>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(Vec::new()))
}

/// Pids of the children this process started and has not reaped yet.
pub(crate) fn live_pids() -> Vec<u32> {
    lock(live()).iter().map(|c| c.pid as u32).collect()
}

fn status_of(info: &libc::siginfo_t) -> Status {
    // SAFETY: filled in by waitid for a child state change.
    let s = unsafe { info.si_status() };
    if info.si_code == libc::CLD_EXITED {
        Status::Exited(s)
    } else {
        Status::Killed(s)
    }
}

impl ChildSlot {
    /// How the child ended, if it has, without reaping it.
    pub(crate) fn peek(&self) -> Option<Status> {
        let st = lock(&self.state);
        if st.reaped.is_some() {
            return st.reaped;
        }
        // SAFETY: zeroed siginfo is a valid out-parameter.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: the child is ours and not reaped (we hold the lock).
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: reading the pid field waitid filled in.
        (r == 0 && unsafe { info.si_pid() } != 0).then(|| status_of(&info))
    }

    /// Wait for the child to end and reap it.
    pub(crate) fn wait(&self) -> Status {
        lock(&self.state).joining = true;
        loop {
            if let Some(s) = lock(&self.state).reaped {
                return s;
            }
            // SAFETY: zeroed siginfo is a valid out-parameter.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // Block until it ends, leaving it a zombie (WNOWAIT): reaping
            // happens below, under the lock `kill` takes.
            // SAFETY: waiting for our own child.
            let r = unsafe {
                libc::waitid(
                    libc::P_PID,
                    self.pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                )
            };
            if r != 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // ECHILD: reaped by another waiter.
                if let Some(s) = lock(&self.state).reaped {
                    return s;
                }
                return Status::Killed(0);
            }
            let status = status_of(&info);
            let mut st = lock(&self.state);
            if st.reaped.is_none() {
                let mut raw = 0;
                // SAFETY: reaping our own zombie child.
                unsafe { libc::waitpid(self.pid, &mut raw, 0) };
                st.reaped = Some(status);
                st.joining = false;
                drop(st);
                lock(live()).retain(|c| c.pid != self.pid);
            }
        }
    }

    /// Send SIGKILL if the child is not reaped yet.
    pub(crate) fn kill(&self) {
        let st = lock(&self.state);
        if st.reaped.is_none() {
            // SAFETY: the pid is an unreaped child of ours (held under lock).
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
    }

    /// The last line the child wrote to its standard error (its panic
    /// message), once it has ended.
    fn last_words(&self) -> Option<String> {
        use std::io::Read;
        let mut e = lock(&self.stderr);
        let pipe = e.as_mut()?;
        let mut text = String::new();
        let _ = pipe.take(64 * 1024).read_to_string(&mut text);
        *e = None;
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with("note:"))
            .map(|l| l.trim().to_string())
    }

    /// The error for a child that ended with `status`.
    pub(crate) fn failure(&self, status: Status) -> ProcessError {
        let by_watchdog = lock(&self.state).killed_by_watchdog;
        let mut status = status.to_string();
        if by_watchdog {
            status.push_str(" (killed by the run's watchdog)");
        }
        ProcessError::WorkerFailed {
            worker: self.name.clone(),
            task: self.task.clone(),
            status,
            message: self.last_words(),
        }
    }

    fn describe(&self) -> String {
        let mut s = format!("{} (pid {}, task {})", self.name, self.pid, self.task);
        if lock(&self.state).joining {
            s = format!("the parent waits in join for {s}, which is still running");
        } else {
            s = format!("{s} is still running");
        }
        for p in &self.pipes {
            let n = p.buffered();
            let how = if n >= p.capacity {
                "full"
            } else if n == 0 {
                "empty"
            } else {
                "partly full"
            };
            s.push_str(&format!(
                "; pipe {} holds {n} of {} B ({how})",
                p.name, p.capacity
            ));
        }
        s
    }
}

/// The key of the current racetrace execution (0 outside one).
pub(crate) fn exec_key() -> usize {
    crate::rt::ctx()
        .map(|c| Arc::as_ptr(&c.exec) as *const () as usize)
        .unwrap_or(0)
}

/// Kill every child of the timed-out execution `exec`, and say who waited
/// on what.
pub(crate) fn on_timeout(exec: usize) -> Option<String> {
    let children: Vec<Arc<ChildSlot>> = lock(live())
        .iter()
        .filter(|c| c.exec == exec)
        .cloned()
        .collect();
    if children.is_empty() {
        return None;
    }
    // Children that have ended (not reaped yet) are not part of the hang.
    let words: Vec<String> = children
        .iter()
        .filter(|c| c.peek().is_none())
        .map(|c| c.describe())
        .collect();
    for c in &children {
        lock(&c.state).killed_by_watchdog = true;
        c.kill();
    }
    if words.is_empty() {
        return None;
    }
    Some(format!(
        "{}; the watchdog killed the worker{}",
        words.join("; "),
        if words.len() == 1 { "" } else { "s" }
    ))
}

/// The executable workers are started from.
pub(crate) fn worker_exe() -> Result<std::path::PathBuf, ProcessError> {
    if let Some(p) = std::env::var_os(WORKER_EXE_ENV) {
        return Ok(p.into());
    }
    if let Some(p) = lock(exe_override()).clone() {
        return Ok(p);
    }
    // The program itself: it registered its workers and calls worker_main.
    std::env::current_exe().map_err(|e| ProcessError::NoWorkerExe(e.to_string()))
}

/// Start worker `role` as a child process with `pipes` inherited.
pub(crate) fn spawn(
    role: &str,
    name: &str,
    task: &str,
    pipes: Vec<Arc<OsPipe>>,
) -> Result<Arc<ChildSlot>, ProcessError> {
    let exe = worker_exe()?;
    let keep: Vec<RawFd> = pipes.iter().flat_map(|p| p.fds()).collect();
    let fds: Vec<String> = pipes.iter().map(|p| p.describe_fds()).collect();
    let mut cmd = Command::new(&exe);
    cmd.env(WORKER_ENV, role)
        .env("RACETRACE_WORKER_NAME", name)
        .env("RACETRACE_WORKER_ARG", task)
        .env("RACETRACE_WORKER_PIPES", fds.join(";"))
        .env("RACETRACE_WORKER_PARENT", std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // The pipes' descriptors are close-on-exec; this child must inherit
    // them. Clearing the flag around the spawn (rather than in a `pre_exec`
    // hook) lets std use posix_spawn, which does not copy the parent's page
    // tables: a fork of a checker that has grown to a gigabyte takes
    // hundreds of milliseconds. Racetrace's own spawns are serialised so
    // only this child inherits them; a child started at the same moment by
    // other code may inherit them too, which is harmless (nothing here
    // waits for end-of-file).
    static SPAWN: Mutex<()> = Mutex::new(());
    let _one_at_a_time = lock(&SPAWN);
    let set_cloexec = |on: bool| {
        for fd in &keep {
            // SAFETY: fcntl on descriptors the pipes own.
            unsafe {
                let fl = libc::fcntl(*fd, libc::F_GETFD);
                let fl = if on {
                    fl | libc::FD_CLOEXEC
                } else {
                    fl & !libc::FD_CLOEXEC
                };
                libc::fcntl(*fd, libc::F_SETFD, fl);
            }
        }
    };
    set_cloexec(false);
    let spawned = cmd.spawn();
    set_cloexec(true);
    let mut child = spawned.map_err(|e| ProcessError::Spawn {
        worker: name.to_string(),
        why: format!("{}: {e}", exe.display()),
    })?;
    let slot = Arc::new(ChildSlot {
        pid: child.id() as i32,
        name: name.to_string(),
        task: task.to_string(),
        exec: exec_key(),
        pipes,
        state: Mutex::new(SlotState::default()),
        stderr: Mutex::new(child.stderr.take()),
    });
    lock(live()).push(slot.clone());
    // `child` is dropped without waiting: the slot reaps it.
    Ok(slot)
}

/// In a worker process: die with the thread that started it, so that a
/// worker is never left behind as an orphan. False if that thread is gone
/// already.
pub(crate) fn die_with_parent() -> bool {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    let parent = std::env::var("RACETRACE_WORKER_PARENT").ok();
    // SAFETY: getppid cannot fail.
    let now = unsafe { libc::getppid() }.to_string();
    parent.is_none_or(|p| p == now)
}

/// In a worker process: the pipes it inherited.
pub(crate) fn inherited_pipes() -> Result<Vec<Arc<OsPipe>>, ProcessError> {
    let s = std::env::var("RACETRACE_WORKER_PIPES").unwrap_or_default();
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(';')
        .map(|p| {
            OsPipe::from_fds(p)
                .map(Arc::new)
                .ok_or_else(|| ProcessError::Io(format!("bad inherited pipe '{p}'")))
        })
        .collect()
}

/// Sleep for the tick (used by `Process::join_timeout`).
pub(crate) fn tick() {
    std::thread::sleep(Duration::from_millis(TICK_MS as u64));
}
