"""Reads TensorBoard event files with TensorBoard's own reader and prints JSON.

    python3 read_events.py LOGDIR

prints

    {"tensorboard": "2.20.0",
     "scalars": {tag: [[step, value], ...]},     # as TensorBoard's scalars dashboard sees them
     "wall_times": {tag: [seconds, ...]},
     "plugins": {tag: plugin_name},
     "first_event_time": seconds,
     "files": [{"name": ..., "records": n, "file_version": ..., "error": null | "..."}]}

"scalars" come from plugin_event_accumulator.EventAccumulator, what `tensorboard
--load_fast=false` serves: it reads each file with EventFileLoader, which checks both
CRCs of every record, stops quietly at the first torn or corrupt one (keeping what came
before), and migrates simple_value summaries to scalar-plugin tensors. "files" reads
each file record by record with the same record reader, but reports where and why it
stopped instead of swallowing it, so a test can tell a clean file from a torn one.
"""

import json
import os
import sys

from tensorboard import version
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.compat import tf
from tensorboard.compat.proto import event_pb2
from tensorboard.util import tensor_util


def read_file(path):
    """Every intact record of one file, and why reading stopped if not at the end."""
    records, file_version, error = 0, None, None
    iterator = event_file_loader._make_tf_record_iterator(path)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except tf.errors.DataLossError as e:
            error = str(e.message if hasattr(e, "message") else e)
            break
        event = event_pb2.Event.FromString(record)
        if records == 0 and event.HasField("file_version"):
            file_version = event.file_version
        records += 1
    return {"name": os.path.basename(path), "records": records, "file_version": file_version, "error": error}


def main(logdir):
    accumulator = plugin_event_accumulator.EventAccumulator(
        logdir, size_guidance={plugin_event_accumulator.TENSORS: 0}  # 0: keep every event, no sampling
    )
    accumulator.Reload()
    scalars, wall_times, plugins = {}, {}, {}
    for tag in accumulator.Tags()["tensors"]:
        events = accumulator.Tensors(tag)
        scalars[tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item()] for e in events]
        wall_times[tag] = [e.wall_time for e in events]
        plugins[tag] = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
    try:
        first = accumulator.FirstEventTimestamp()
    except ValueError:
        first = None
    files = sorted(f for f in os.listdir(logdir) if "tfevents" in f)
    print(
        json.dumps(
            {
                "tensorboard": version.VERSION,
                "scalars": scalars,
                "wall_times": wall_times,
                "plugins": plugins,
                "first_event_time": first,
                "files": [read_file(os.path.join(logdir, f)) for f in files],
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: read_events.py LOGDIR")
    main(sys.argv[1])
