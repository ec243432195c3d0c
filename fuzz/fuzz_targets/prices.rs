#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ier_gate_fuzz::prices(data));
