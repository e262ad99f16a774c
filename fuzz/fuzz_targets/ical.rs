//! Fuzz target: see `musaid::fuzzing::ical`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| musaid::fuzzing::ical(data));
