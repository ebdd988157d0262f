//! The `[input]` table: parsing (defaults, unknown keys) and validation naming the field.
#![allow(clippy::unwrap_used)]

use panoptes_preprocess::{ColorOrder, InputLayout, PreprocessError, ResizeMode};

fn parse(text: &str) -> Result<InputLayout, toml::de::Error> {
    toml::from_str(text)
}

const FULL: &str = r#"
tensor = "images"
width = 416
height = 320
color = "bgr"
resize = "letterbox-top-left"
pad_value = 114
scale = 0.5
mean = [1.0, 2.0, 3.0]
std = [4.0, 5.0, 6.0]
"#;

#[test]
fn full_table_reads_every_field() {
    let layout = parse(FULL).unwrap();
    assert_eq!(layout.tensor, "images");
    assert_eq!((layout.width, layout.height), (416, 320));
    assert_eq!(layout.color, ColorOrder::Bgr);
    assert_eq!(layout.resize, ResizeMode::LetterboxTopLeft);
    assert_eq!(layout.pad_value, 114);
    assert_eq!(layout.scale, 0.5);
    assert_eq!(layout.mean, [1.0, 2.0, 3.0]);
    assert_eq!(layout.std, [4.0, 5.0, 6.0]);
    layout.validate().unwrap();
}

#[test]
fn omitted_fields_take_the_documented_defaults() {
    let layout =
        parse("tensor = \"x\"\nwidth = 640\nheight = 360\ncolor = \"rgb\"\nresize = \"stretch\"\n")
            .unwrap();
    assert_eq!(
        layout,
        InputLayout::new("x", 640, 360, ColorOrder::Rgb, ResizeMode::Stretch)
    );
    assert_eq!(layout.pad_value, 0);
    assert_eq!(layout.scale, 1.0);
    assert_eq!(layout.mean, [0.0; 3]);
    assert_eq!(layout.std, [1.0; 3]);
}

#[test]
fn every_resize_mode_name_parses() {
    for (name, mode) in [
        ("stretch", ResizeMode::Stretch),
        ("letterbox-center", ResizeMode::LetterboxCenter),
        ("letterbox-top-left", ResizeMode::LetterboxTopLeft),
    ] {
        let text = FULL.replace("letterbox-top-left", name);
        assert_eq!(parse(&text).unwrap().resize, mode, "{name}");
    }
}

#[test]
fn unknown_keys_and_bad_values_are_rejected_by_name() {
    let unknown = parse(&format!("{FULL}padding = 3\n")).unwrap_err();
    assert!(unknown.to_string().contains("padding"), "{unknown}");
    let colour = parse(&FULL.replace("\"bgr\"", "\"bgra\"")).unwrap_err();
    assert!(colour.to_string().contains("bgra"), "{colour}");
    let pad = parse(&FULL.replace("114", "300")).unwrap_err();
    assert!(pad.to_string().contains("pad_value"), "{pad}");
    let missing = parse(&FULL.replace("width = 416\n", "")).unwrap_err();
    assert!(missing.to_string().contains("width"), "{missing}");
}

fn invalid_field(layout: &InputLayout) -> String {
    match layout.validate() {
        Err(PreprocessError::InvalidLayout { field, .. }) => field,
        other => panic!("expected an InvalidLayout error, got {other:?}"),
    }
}

#[test]
fn validate_names_the_bad_field() {
    let good = parse(FULL).unwrap();
    type Spoil = fn(&mut InputLayout);
    let cases: [(&str, Spoil); 7] = [
        ("tensor", |layout| layout.tensor = " ".into()),
        ("width", |layout| layout.width = 0),
        ("height", |layout| layout.height = 100_000),
        ("scale", |layout| layout.scale = 0.0),
        ("mean[2]", |layout| layout.mean[2] = f32::NAN),
        ("std[1]", |layout| layout.std[1] = 0.0),
        ("std[0]", |layout| layout.std[0] = f32::INFINITY),
    ];
    for (field, spoil) in cases {
        let mut layout = good.clone();
        spoil(&mut layout);
        assert_eq!(invalid_field(&layout), field);
        let message = layout.validate().unwrap_err().to_string();
        assert!(message.contains(&format!("`{field}`")), "{message}");
    }
}

#[test]
fn written_layout_reads_back_the_same() {
    let layout = parse(FULL).unwrap();
    let text = toml::to_string(&layout).unwrap();
    assert!(text.contains("resize = \"letterbox-top-left\""), "{text}");
    assert_eq!(parse(&text).unwrap(), layout);
}
