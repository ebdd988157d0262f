"""Fleet-scale evaluation on Ray: one task per drive (or scene), one engine per worker process.

`python -m panoptes.fleet DRIVE... --model M.toml --out DIR` (or `panoptes-fleet`) evaluates
every drive as a Ray task, writes each drive's report to `OUT/drives/<name>/eval.json` as it
finishes, and at the end `OUT/fleet.json`: every drive's outcome, the fleet-wide figures merged
from all successful drives, throughput and failures. `run(options)` does the same in-process
and returns the fleet report.
"""

from .command import main, parse_arguments, summary_table
from .compare import compare, comparison_table
from .metrics import METRICS, Metric, lookup
from .options import DriveSpec, EngineSettings, FleetOptions, Model, UsageError
from .report import FLEET_NAME, exit_status, run
from .tasks import TaskFailed, evaluate_drive

__all__ = [
    "FLEET_NAME",
    "METRICS",
    "DriveSpec",
    "EngineSettings",
    "FleetOptions",
    "Metric",
    "Model",
    "TaskFailed",
    "UsageError",
    "compare",
    "comparison_table",
    "evaluate_drive",
    "exit_status",
    "lookup",
    "main",
    "parse_arguments",
    "run",
    "summary_table",
]
