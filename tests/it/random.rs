//! Random test cases: how many a property runs, and the seed they come from.
//!
//! `WALLET_TEST_DEPTH` says how hard to look: `quick` (the default, what
//! scripts/test and CI run) or `full` (a deliberate deep run, about ten
//! times the cases). `WALLET_TEST_SEED` gives the seed back: every random
//! test says its run's seed and the command that replays it, and from one
//! seed each property draws the same cases in the same order, so a failure
//! reproduces exactly. Without it a run takes a new seed from the system's
//! random source (never the clock).
//!
//! This file is shared: the library's unit tests include it (src/lib.rs) as
//! do the integration tests (tests/it/main.rs).

use std::sync::OnceLock;

use proptest::test_runner::{Config, RngSeed};

/// How many random cases a run asks of each property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Depth {
    Quick,
    Full,
}

/// The depth `WALLET_TEST_DEPTH` asks for (`quick` when unset).
pub(crate) fn depth() -> Depth {
    match std::env::var("WALLET_TEST_DEPTH").as_deref() {
        Err(_) | Ok("" | "quick") => Depth::Quick,
        Ok("full") => Depth::Full,
        Ok(other) => panic!("WALLET_TEST_DEPTH is `quick` (the default) or `full`, not `{other}`"),
    }
}

/// `quick` or `full` cases, as the run's depth says.
pub(crate) fn cases(quick: u32, full: u32) -> u32 {
    match depth() {
        Depth::Quick => quick,
        Depth::Full => full,
    }
}

/// The run's seed: `WALLET_TEST_SEED`, else one drawn once per process.
pub(crate) fn run_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| match std::env::var("WALLET_TEST_SEED") {
        Ok(text) if !text.is_empty() => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WALLET_TEST_SEED is a number from 0 to 2^64-1, not `{text}`")),
        _ => {
            let mut bytes = [0u8; 8];
            std::io::Read::read_exact(
                &mut std::fs::File::open("/dev/urandom").expect("the system's random source"),
                &mut bytes,
            )
            .expect("random bytes");
            u64::from_le_bytes(bytes)
        }
    })
}

/// The seed of one property (`name`) in a run from `run`: each property
/// its own sequence, every one fixed by the run's seed.
pub(crate) fn seed_of(run: u64, name: &str) -> u64 {
    // FNV-1a over the name, then SplitMix64's finaliser over both.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = run ^ h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The command that replays this run's random cases of `name`.
pub(crate) fn replay_command(name: &str) -> String {
    let mut env = format!("WALLET_TEST_SEED={}", run_seed());
    if depth() == Depth::Full {
        env += " WALLET_TEST_DEPTH=full";
    }
    format!("{env} scripts/test {name}")
}

/// A proptest configuration for the property `name`: `quick` or `full`
/// cases (as the depth says), drawn from the run's seed (other cases on
/// the PostgreSQL pass than on the file pass), no regression files. Says the seed and how to replay it, which the test harness shows
/// when the test fails.
pub(crate) fn config(name: &str, quick: u32, full: u32) -> Config {
    let cases = cases(quick, full);
    eprintln!(
        "{name}: {cases} random cases from seed {}; replay them with: {}",
        run_seed(),
        replay_command(name)
    );
    // Each backend's pass draws cases of its own from the run's seed.
    let backend = std::env::var("WALLET_TEST_BACKEND").unwrap_or_default();
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed_of(run_seed(), &format!("{name} on {backend}"))),
        failure_persistence: None,
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::Rng as _;
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    use super::*;

    /// The first `n` values a runner configured for `name` in the run `run`
    /// draws from a strategy of numbers and words.
    fn drawn(run: u64, name: &str, n: usize) -> Vec<(u32, String)> {
        let mut config = config(name, 10, 10);
        config.rng_seed = RngSeed::Fixed(seed_of(run, name));
        let mut runner = TestRunner::new(config);
        let strategy = (0u32..1_000_000, "[a-z]{1,12}");
        (0..n)
            .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
            .collect()
    }

    #[test]
    fn a_seed_replays_the_same_cases_and_another_seed_others() {
        let first = drawn(42, "a property", 50);
        assert_eq!(first, drawn(42, "a property", 50), "the same seed drew other cases");
        assert_ne!(first, drawn(43, "a property", 50), "another seed drew the same cases");
        assert_ne!(
            first,
            drawn(42, "another property", 50),
            "two properties drew the same cases"
        );
        // A runner made from the configuration draws from its seed, not from the system.
        let draw = || {
            let mut runner = TestRunner::new(config("seeded", 1, 1));
            (0..8).map(|_| runner.new_rng().next_u64()).collect::<Vec<u64>>()
        };
        assert_eq!(draw(), draw());
    }
}
