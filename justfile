# racetrace recipes. `just` is optional: every recipe is a plain cargo command.

# The tests (the README's test command): the everyday loop.
test:
    cargo test

# The tests with every slow sweep whole, as CI runs them.
test-full:
    RACETRACE_FULL=1 cargo test

# The main job: every variant of every pattern against its spec.
check *PATTERNS:
    cargo run --release -- check {{PATTERNS}}

# What CI runs.
ci:
    bash .ci/run

# Lint and format.
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# Write new and changed snapshots as .snap.new files, for review.
snapshots:
    RACETRACE_FULL=1 INSTA_UPDATE=new cargo test --test traces

# Review pending snapshots (needs cargo-insta), or read each .snap.new and `mv` it over its .snap.
review:
    cargo insta review

# Refresh the traces quoted in docs/ from the accepted snapshots.
docs:
    RACETRACE_UPDATE_DOCS=1 cargo test --test docs

# Speed figures for the notes.
bench:
    cargo bench --bench explore

# The bug-finding table: every strategy on every seeded bug; rewrites docs/bug-finding.md.
bug-finding:
    cargo bench --bench bug_finding -- --write

# The outcome table of one pattern, e.g. `just outcomes unsafe-counter --backend shuttle-dfs`.
outcomes *ARGS:
    cargo run --release -- outcomes {{ARGS}}

# Fuzz one target (schedule, trace_file, queue_ops) for SECONDS, e.g. `just fuzz trace_file 60`.
# Needs nightly and `cargo install cargo-fuzz`; see fuzz/README.md for a stable-only way.
# New corpus entries go to a scratch directory; crashes land in fuzz/artifacts/TARGET/.
fuzz TARGET SECONDS:
    mkdir -p "${TMPDIR:-/tmp}/racetrace-fuzz-{{TARGET}}"
    cd fuzz && ASAN_OPTIONS=detect_leaks=0 cargo +nightly fuzz run -O {{TARGET}} "${TMPDIR:-/tmp}/racetrace-fuzz-{{TARGET}}" corpus/{{TARGET}} -- -max_total_time={{SECONDS}} -timeout=10 -detect_leaks=0
