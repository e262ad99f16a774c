//! Fuzz target: see `musaid::fuzzing::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| musaid::fuzzing::config(data));
