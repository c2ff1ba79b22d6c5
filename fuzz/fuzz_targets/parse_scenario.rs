//! Scenario parsing: any text either validates or is refused with a message; its token
//! scan and the estimate before parsing never fail; a scenario that validates can always
//! be estimated against a budget. Never a panic, never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let shape = sagasim::scenario::scan(text);
    assert_eq!(shape.bytes, text.len());
    let _ = sagasim::budget::Budget::default().check(&sagasim::budget::estimate_file(&shape, 4.0));
    match sagasim::Scenario::from_toml_str(text) {
        Ok(scenario) => {
            let estimate = sagasim::budget::estimate(&scenario, 2);
            let _ = sagasim::budget::Budget::default().check(&estimate);
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
