"""Where a task attempt's files live: interfaces, implementations, sharding and ids.

An engine hands each attempt an input prefix, an output prefix and a raw output
prefix; the attempt reads ``inputs.pb`` under the first, leaves ``outputs.pb``,
``error.pb`` and a deck under the second, and keeps its own data and its
checkpoints under the third. Flyte 2's engine derives all of them from the
run's base (:class:`Flyte2Attempt`). Every name and layout here is Flyte's, so the
references plugio computes are the ones Flyte's engine and SDK compute::

    >>> paths = RemoteCheckpointPaths(store, "s3://b/meta/n0", "s3://b/raw/aa/x-n0-0")
    >>> paths.get_error_path()
    's3://b/meta/n0/error.pb'
    >>> paths.get_checkpoint_prefix()
    's3://b/raw/aa/x-n0-0/_flytecheckpoints'
"""

from typing import TYPE_CHECKING

from plugio._moved import lazy_names
from plugio.paths._attempt import (
    ID_MAX_LENGTH,
    attempt_previous_checkpoint_prefix,
    attempt_raw_output_prefix,
    attempt_unique_id,
)
from plugio.paths._ids import (
    HashBits,
    UniqueIdOverflowError,
    fixed_length_unique_id,
    fixed_length_unique_id_for_parts,
    fnv1a_32,
)
from plugio.paths._interfaces import (
    CheckpointPaths,
    InputFilePaths,
    OutputFilePaths,
    RawOutputPaths,
)
from plugio.paths._names import (
    CHECKPOINTS_FOLDER,
    DECK_FILE,
    DECK_FILES,
    ERROR_FILE,
    FUTURES_FILE,
    INPUTS_FILE,
    OUTPUTS_FILE,
    REPORT_FILE,
    SHARD_ALPHABET,
)
from plugio.paths._raw import (
    DeterministicUniqueRawOutputPaths,
    RawOutputPrefix,
    ShardedDeterministicRawOutputPaths,
    ShardedRawOutputPaths,
    TaskIdRawOutputPaths,
    random_raw_path,
)
from plugio.paths._remote import (
    InputPaths,
    ReadOnlyOutputPaths,
    RemoteCheckpointPaths,
    RemoteFileOutputPaths,
    checkpoint_prefix,
)
from plugio.paths._sharding import PrecomputedShardSelector, ShardSelector, default_shard_selector

# Plain sorted() order, which the export test checks (ruff's isort style puts
# every CONSTANT first).
__all__ = [  # noqa: RUF022
    "CHECKPOINTS_FOLDER",
    "CheckpointPaths",
    "DECK_FILE",
    "DECK_FILES",
    "DeterministicUniqueRawOutputPaths",
    "ERROR_FILE",
    "FUTURES_FILE",
    "Flyte2Attempt",
    "HashBits",
    "ID_MAX_LENGTH",
    "INPUTS_FILE",
    "InputFilePaths",
    "InputPaths",
    "OUTPUTS_FILE",
    "OutputFilePaths",
    "PrecomputedShardSelector",
    "REPORT_FILE",
    "RawOutputPaths",
    "RawOutputPrefix",
    "ReadOnlyOutputPaths",
    "RemoteCheckpointPaths",
    "RemoteFileOutputPaths",
    "SHARD_ALPHABET",
    "ShardSelector",
    "ShardedDeterministicRawOutputPaths",
    "ShardedRawOutputPaths",
    "TaskIdRawOutputPaths",
    "UniqueIdOverflowError",
    "attempt_previous_checkpoint_prefix",
    "attempt_raw_output_prefix",
    "attempt_unique_id",
    "checkpoint_prefix",
    "default_shard_selector",
    "fixed_length_unique_id",
    "fixed_length_unique_id_for_parts",
    "flyte2_run_inputs_path",
    "flyte2_sub_action_inputs_path",
    "fnv1a_32",
    "random_raw_path",
]

if TYPE_CHECKING:
    from plugio.paths._flyte2 import (
        Flyte2Attempt,
        flyte2_run_inputs_path,
        flyte2_sub_action_inputs_path,
    )

# Flyte 2's layout, loaded when first asked for: a task reading its inputs never needs it.
__getattr__, __dir__ = lazy_names(
    globals(),
    dict.fromkeys(
        ("Flyte2Attempt", "flyte2_run_inputs_path", "flyte2_sub_action_inputs_path"),
        "plugio.paths._flyte2",
    ),
)
