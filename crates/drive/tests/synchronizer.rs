//! Grouping per-camera streams into frame sets.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{synchronize, MissingReason, RejectionReason, Slot, SyncConfig, Synchronizer};

fn present(slot: &Slot<usize>) -> Option<usize> {
    match slot {
        Slot::Present { item, .. } => Some(*item),
        Slot::Missing(_) => None,
    }
}

#[test]
fn nuscenes_offsets_fall_into_one_set_per_sample() {
    // The six nuScenes cameras of the fixture, 0–43 ms apart, sampled twice 500 ms apart.
    let offsets = [7_616, 15_495, 0, 32_681, 42_579, 23_049];
    let streams: Vec<Vec<u64>> = offsets
        .iter()
        .map(|offset| vec![1_000_000 + offset, 1_500_000 + offset])
        .collect();
    let sets = synchronize(&streams, SyncConfig::default()).unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].anchor_us, 1_000_000);
    assert_eq!(sets[1].anchor_us, 1_500_000);
    for (position, set) in sets.iter().enumerate() {
        let items: Vec<Option<usize>> = set.slots.iter().map(present).collect();
        assert_eq!(items, vec![Some(position); 6]);
    }
}

#[test]
fn absent_and_late_cameras_are_marked_missing_not_dropped() {
    // Camera 1 skips the second set; camera 2 is 80 ms late for the first (outside 50 ms).
    let streams = vec![
        vec![0, 100_000, 200_000],
        vec![3_000, 203_000],
        vec![80_000, 105_000, 204_000],
    ];
    let sets = synchronize(&streams, SyncConfig::default()).unwrap();
    let table: Vec<(u64, Vec<Option<usize>>)> = sets
        .iter()
        .map(|set| (set.anchor_us, set.slots.iter().map(present).collect()))
        .collect();
    assert_eq!(
        table,
        vec![
            (0, vec![Some(0), Some(0), None]),
            (80_000, vec![Some(1), None, Some(0)]),
            (105_000, vec![None, None, Some(1)]),
            (200_000, vec![Some(2), Some(1), Some(2)]),
        ]
    );
    assert_eq!(
        sets[0].slots[2],
        Slot::Missing(MissingReason::NoFrameInWindow)
    );
    let placed: usize = sets
        .iter()
        .map(|set| {
            set.slots
                .iter()
                .filter(|slot| present(slot).is_some())
                .count()
        })
        .sum();
    assert_eq!(placed, streams.iter().map(Vec::len).sum::<usize>());
}

#[test]
fn unsorted_stream_is_refused() {
    let error = synchronize(&[vec![0, 10], vec![20, 5]], SyncConfig::default()).unwrap_err();
    assert!(error.to_string().contains("camera #1"), "{error}");
}

#[test]
fn live_set_waits_at_most_max_wait_then_marks_the_camera_timed_out() {
    let config = SyncConfig {
        window_us: 20_000,
        max_wait_us: 60_000,
    };
    let mut live = Synchronizer::new(2, config).unwrap();
    live.push(0, 1_000, "a0").unwrap();
    assert!(
        live.pop_ready(Some(30_000)).is_none(),
        "camera 1 may still come"
    );
    let set = live.pop_ready(Some(61_000)).unwrap();
    assert_eq!(set.anchor_us, 1_000);
    assert_eq!(
        set.slots[0],
        Slot::Present {
            timestamp_us: 1_000,
            item: "a0"
        }
    );
    assert_eq!(set.slots[1], Slot::Missing(MissingReason::TimedOut));
    // Camera 1's frame for that set arrives after it was emitted: handed back, not lost.
    let rejected = live.push(1, 900, "b-late").unwrap_err();
    assert_eq!(rejected.item, "b-late");
    assert_eq!(
        rejected.reason,
        RejectionReason::Late {
            emitted_anchor_us: 1_000
        }
    );
    // A complete set is ready at once, without waiting.
    live.push(0, 100_000, "a1").unwrap();
    live.push(1, 104_000, "b1").unwrap();
    let set = live.pop_ready(None).unwrap();
    assert_eq!(
        set.slots[1],
        Slot::Present {
            timestamp_us: 104_000,
            item: "b1"
        }
    );
    assert_eq!(live.pending(), 0);
}

#[test]
fn live_rejects_backwards_time_and_unknown_cameras() {
    let mut live = Synchronizer::new(1, SyncConfig::default()).unwrap();
    live.push(0, 5_000, 1).unwrap();
    let rejected = live.push(0, 5_000, 2).unwrap_err();
    assert_eq!(
        rejected.reason,
        RejectionReason::NotAfterPrevious { previous_us: 5_000 }
    );
    assert_eq!(
        live.push(3, 6_000, 3).unwrap_err().reason,
        RejectionReason::UnknownCamera
    );
    assert!(Synchronizer::<u8>::new(
        2,
        SyncConfig {
            window_us: 10,
            max_wait_us: 5
        }
    )
    .is_err());
}

#[test]
fn live_cameras_out_of_time_order_still_form_one_set() {
    let config = SyncConfig {
        window_us: 50_000,
        max_wait_us: 100_000,
    };
    let mut live = Synchronizer::new(3, config).unwrap();
    // The camera captured last delivers first.
    live.push(2, 1_042_000, "c").unwrap();
    live.push(0, 1_000_000, "a").unwrap();
    assert!(live.pop_ready(None).is_none(), "camera 1 may still come");
    live.push(1, 1_017_000, "b").unwrap();
    let set = live.pop_ready(None).unwrap();
    assert_eq!(set.anchor_us, 1_000_000);
    assert!(set
        .slots
        .iter()
        .all(|slot| matches!(slot, Slot::Present { .. })));
    // A frame that would stretch a set beyond the window opens its own.
    live.push(0, 2_000_000, "a2").unwrap();
    live.push(1, 2_060_000, "b2").unwrap();
    assert_eq!(live.pending(), 2);
}
