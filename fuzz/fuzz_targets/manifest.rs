//! A model manifest (TOML) from an untrusted source: parsed, then its `[input]` and head
//! tables turned into a pre-processor and decoders, as loading a model does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("fuzzed.toml");
    let Ok(manifest) = panoptes_runtime::Manifest::parse(path, text, None) else {
        return;
    };
    if let Ok(layout) = panoptes_pipeline::input_layout(&manifest) {
        let _ = panoptes_preprocess::Preprocessor::new(layout, 6);
    }
    let _ = panoptes_pipeline::decoder(&manifest);
});
