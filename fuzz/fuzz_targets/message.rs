//! Fuzz target: see `musaid::fuzzing::message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| musaid::fuzzing::message(data));
