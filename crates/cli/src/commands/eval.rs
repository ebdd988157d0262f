//! `panoptes eval DRIVE --model M.toml [--weights W.onnx] … --json FILE`.

use crate::progress::ProgressDisplay;
use anyhow::Context;
use panoptes_eval::{EvalOptions, EvalProgress, Evaluation, IgnoreRule};
use std::path::PathBuf;

/// Score models against a drive's ground truth: detection mAP@0.5, segmentation mIoU, depth
/// AbsRel, pose PCK, and the objects placed in the ego frame against its 3D boxes.
///
/// Evaluate models against a drive's ground truth: detection AP@0.5 per class and mAP,
/// segmentation IoU per class and mIoU, depth AbsRel, δ<1.25 and RMSE, pose PCK, and (fusion on)
/// the fused objects in the ego frame against the drive's 3D boxes. Prints a table and writes
/// every figure as JSON (keys `detection.map50`, `segmentation.miou`, `depth.abs_rel`,
/// `pose.pck`, `ego.detection.map`, `ego.position`, `ego.duplicates`, `ego.id_switches`,
/// `ego.bev`, …).
///
/// Rules: a prediction matches a ground-truth box of the same class name at IoU ≥ 0.5; boxes
/// hidden more than --max-occlusion or smaller than --min-area px² are ignored. Segmentation
/// classes map by name; `void` pixels are ignored. Depth counts pixels with ground truth up to the
/// depth head's max_depth. PCK: visible keypoints within --pck-alpha × the ground-truth box
/// diagonal, people matched by box IoU ≥ 0.5.
///
/// Ego frame (each frame set's fused objects against the union of its cameras' 3D boxes, both
/// within --ego-max-distance of the ego origin):
///   ego mAP        nuScenes AP, centre distance on the ground under 0.5, 1, 2, 4 m
///   position       median error / truth distance within 40 m, per lifting method (ground
///                  plane, depth head); matched nearest first within 2 m + 0.2 × distance
///   duplicates     matched objects with a second, unmatched prediction within that gate
///   id switches    a truth object matched to a new track id, per 100 objects matched
///   BEV IoU        drivable and object cells against a grid from the truth segmentation
///                  and 3D boxes
///
/// Example:
///   panoptes eval out/val-drive --model models/panoptes-net/panoptes-net.toml --json out/eval.json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Drive directory with ground truth (for example written by `panoptes sim`), or a nuScenes
    /// dataroot with annotation tables (its scenes evaluated together, each also on its own).
    drive: PathBuf,
    #[command(flatten)]
    scenes: super::drives::SceneArgs,
    #[command(flatten)]
    model: super::models::ModelArgs,
    /// Write the metrics as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Evaluate only the first N frame sets.
    #[arg(long)]
    limit: Option<usize>,
    /// PCK threshold as a fraction of the ground-truth box diagonal.
    #[arg(long, default_value_t = panoptes_eval::DEFAULT_PCK_ALPHA)]
    pck_alpha: f64,
    /// Ignore ground-truth boxes hidden more than this fraction.
    #[arg(long, default_value_t = IgnoreRule::default().max_occlusion)]
    max_occlusion: f64,
    /// Ignore ground-truth boxes smaller than this many square pixels.
    #[arg(long, default_value_t = IgnoreRule::default().min_area)]
    min_area: f64,
    /// Detection score threshold for every detection head instead of the manifest's. AP wants
    /// the whole precision–recall curve: use a low one, such as 0.01.
    #[arg(long)]
    score_threshold: Option<f32>,
    /// MODEL=DRIVE: read the model's class MODEL as the drive's class DRIVE (detection labels
    /// and segmentation classes); repeat for several, e.g. --alias person=pedestrian.
    #[arg(long = "alias", value_name = "MODEL=DRIVE")]
    aliases: Vec<String>,
    #[command(flatten)]
    fusion: super::models::FusionArgs,
    /// Leave ego-frame truth and predictions farther than this from the ego origin out, metres.
    #[arg(long, value_name = "METRES", default_value_t = EvalOptions::default().ego_max_distance_m)]
    ego_max_distance: f64,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args, matches: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    let requests = args.model.requests(matches)?;
    let targets = args.model.targets()?;
    let mut aliases = std::collections::BTreeMap::new();
    for alias in &args.aliases {
        let (model, drive) = alias
            .split_once('=')
            .filter(|(model, drive)| !model.is_empty() && !drive.is_empty())
            .with_context(|| {
                format!("--alias {alias}: expected MODEL=DRIVE, e.g. person=pedestrian")
            })?;
        aliases.insert(model.to_string(), drive.to_string());
    }
    let options = EvalOptions {
        aliases,
        limit: args.limit,
        pck_alpha: args.pck_alpha,
        ignore: IgnoreRule {
            max_occlusion: args.max_occlusion,
            min_area: args.min_area,
        },
        fusion: args.fusion.config()?,
        ego_max_distance_m: args.ego_max_distance,
    };
    if let Some(path) = &args.json {
        super::models::prepare_output_file(path)?;
    }
    let drives = args.scenes.open(&args.drive)?;
    // Before loading models: a drive without ground truth fails at once.
    for drive in &drives {
        panoptes_eval::check_ground_truth(drive, args.limit)?;
    }
    let cameras = drives[0].rig().len();
    if let Some(other) = drives.iter().find(|drive| drive.rig().len() != cameras) {
        anyhow::bail!(
            "{}: scenes with {} and {} cameras cannot share the models' engines; evaluate them apart with --scene",
            args.drive.display(),
            cameras,
            other.rig().len()
        );
    }
    let models = panoptes_eval::load_evaluation_models(
        &requests,
        &targets,
        args.model.optimization()?,
        cameras,
        args.score_threshold,
    )?;
    for model in &models {
        eprintln!(
            "panoptes eval: {} on {} ({})",
            model.manifest.name,
            model.engine.target(),
            model.manifest.weights.display()
        );
    }
    let total: usize = drives
        .iter()
        .map(|drive| {
            args.limit.map_or(drive.frame_sets().len(), |limit| {
                limit.min(drive.frame_sets().len())
            })
        })
        .sum();
    let display = ProgressDisplay::new(total as u64, "panoptes eval", "frame sets");
    let mut progress = |progress: EvalProgress| display.update(progress.done as u64);
    let evaluation = panoptes_eval::evaluate_scenes(&drives, models, &options, &mut progress)
        .with_context(|| format!("evaluation of {} failed", args.drive.display()))?;
    display.finish();
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&evaluation)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    print!("{}", table(&evaluation));
    for scene in &evaluation.scenes {
        let figure =
            |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.3}"));
        println!(
            "{}: {} frame sets, detection.map50 {}, ego.detection.map {}",
            scene.drive.rsplit('#').next().unwrap_or(&scene.drive),
            scene.frame_sets,
            figure(
                scene
                    .detection
                    .as_ref()
                    .and_then(|detection| detection.map50)
            ),
            figure(scene.ego.as_ref().and_then(|ego| ego.detection.map)),
        );
    }
    Ok(())
}

/// The figures for people, one per line.
fn table(evaluation: &Evaluation) -> String {
    let figure = |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.3}"));
    let mut lines = vec![format!(
        "{} frame sets, {} camera frames scored, {} problems, {:.1} s",
        evaluation.frame_sets, evaluation.cameras, evaluation.errors, evaluation.wall_seconds
    )];
    if let Some(detection) = &evaluation.detection {
        lines.push(format!("detection.map50      {}", figure(detection.map50)));
        let (mut other_classes, mut other_predictions) = (0, 0);
        for (class, counts) in &detection.classes {
            let Some(ap) = detection.ap50.get(class).copied() else {
                other_classes += 1;
                other_predictions += counts.predictions;
                continue;
            };
            lines.push(format!(
                "  {class:<18} {}  (ground truth {}, ignored {}, predictions {}, true {})",
                figure(Some(ap)),
                counts.ground_truth,
                counts.ignored,
                counts.predictions,
                counts.true_positives
            ));
        }
        if other_classes > 0 {
            lines.push(format!(
                "  ({other_predictions} predictions of {other_classes} classes without ground truth: see the JSON)"
            ));
        }
    }
    if let Some(segmentation) = &evaluation.segmentation {
        lines.push(format!(
            "segmentation.miou    {}",
            figure(segmentation.miou)
        ));
        for (class, iou) in &segmentation.iou {
            lines.push(format!("  {class:<18} {iou:.3}"));
        }
    }
    if let Some(depth) = &evaluation.depth {
        lines.push(format!("depth.abs_rel        {}", figure(depth.abs_rel)));
        lines.push(format!("depth.delta1         {}", figure(depth.delta1)));
        lines.push(format!("depth.rmse           {} m", figure(depth.rmse)));
    }
    if let Some(pose) = &evaluation.pose {
        lines.push(format!(
            "pose.pck             {}  ({})",
            figure(pose.pck),
            pose.threshold
        ));
    }
    lines.extend(ego_lines(evaluation));
    lines.join("\n") + "\n"
}

/// One line per ego-frame metric group; none when fusion was off.
fn ego_lines(evaluation: &Evaluation) -> Vec<String> {
    let Some(ego) = &evaluation.ego else {
        return Vec::new();
    };
    let figure = |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.3}"));
    let percent = |value: Option<f64>| {
        value.map_or("-".to_string(), |value| format!("{:.1} %", 100.0 * value))
    };
    let detection = &ego.detection;
    let thresholds: Vec<String> = detection
        .thresholds_m
        .iter()
        .zip(&detection.map_by_threshold)
        .map(|(threshold, map)| format!("{threshold} m {map:.3}"))
        .collect();
    let position = &ego.position;
    let methods: Vec<String> = position
        .by_method
        .iter()
        .map(|(method, summary)| {
            format!(
                "{method} {} (n {})",
                percent(summary.median_relative),
                summary.matches
            )
        })
        .collect();
    let duplicates = &ego.duplicates;
    let mut lines = vec![
        format!(
            "ego.map              {}  ({}; {} truth objects, {} predictions within {} m)",
            figure(detection.map),
            thresholds.join(", "),
            ego.ground_truth,
            ego.predictions,
            ego.max_distance_m
        ),
        format!(
            "ego.position_error   {}  (median error / distance within {} m; {}; {} matched, {} unmatched)",
            percent(position.within_range.median_relative),
            position.range_m,
            methods.join(", "),
            position.matched_truth,
            position.unmatched_truth
        ),
        format!(
            "ego.duplicates       {}  ({} of {} matched objects; across cameras {})",
            percent(duplicates.fraction),
            duplicates.duplicated,
            duplicates.matched_truth,
            duplicates.camera_overlap
        ),
    ];
    lines.push(match &ego.id_switches {
        Some(switches) => format!(
            "ego.id_switches      {} per 100  ({} switches, {} objects matched, {} of their matches tracked)",
            switches
                .per_100_objects
                .map_or("-".to_string(), |value| format!("{value:.1}")),
            switches.switches,
            switches.matched_objects,
            switches
                .tracked_fraction
                .map_or("-".to_string(), |value| format!("{:.0} %", 100.0 * value)),
        ),
        None => "ego.id_switches      -  (no track ids: tracking off)".to_string(),
    });
    if let Some(bev) = &ego.bev {
        let categories: Vec<String> = bev
            .categories
            .iter()
            .map(|(category, iou)| format!("{category} {}", figure(iou.iou)))
            .collect();
        lines.push(format!(
            "ego.bev_iou          {}  ({} frame sets)",
            categories.join(", "),
            bev.frame_sets
        ));
    }
    lines
}
