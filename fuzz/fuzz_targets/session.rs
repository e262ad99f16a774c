//! Fuzz target: see `musaid::fuzzing::session`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| musaid::fuzzing::session(data));
