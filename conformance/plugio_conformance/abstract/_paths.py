"""The path interfaces: where inputs, outputs, the error, the deck and checkpoints live."""

from __future__ import annotations

import pytest

from plugio.paths import (
    CHECKPOINTS_FOLDER,
    DECK_FILE,
    ERROR_FILE,
    FUTURES_FILE,
    INPUTS_FILE,
    OUTPUTS_FILE,
)
from plugio.references import join
from plugio_conformance.abstract._fixtures import (
    ConformanceFixtures,
    MakeInputPaths,
    MakeOutputPaths,
)

__all__ = ["AbstractPathsTests"]

_OUTPUT_GETTERS = (
    "get_output_prefix_path",
    "get_output_path",
    "get_error_path",
    "get_deck_path",
    "get_previous_checkpoints_prefix",
)
_RAW_GETTERS = ("get_raw_output_prefix", "get_checkpoint_prefix")


class AbstractPathsTests(ConformanceFixtures):
    """``InputFilePaths``, ``OutputFilePaths``, ``CheckpointPaths`` and ``RawOutputPaths``.

    Fixtures: ``make_input_paths``, ``make_output_paths``. Flag:
    ``output_paths_are_read_only`` (paths with no raw output area).
    """

    def _writable(self) -> None:
        self.refuse("output_paths_are_read_only", "the paths have no raw output area")

    # -- inputs --------------------------------------------------------------------------
    def test_input_prefix_is_returned_as_given(
        self, make_input_paths: MakeInputPaths, input_prefix: str
    ) -> None:
        assert make_input_paths(input_prefix).get_input_prefix_path() == input_prefix

    def test_input_path_is_inputs_pb_under_the_prefix(
        self, make_input_paths: MakeInputPaths, input_prefix: str
    ) -> None:
        assert make_input_paths(input_prefix).get_input_path() == join(input_prefix, INPUTS_FILE)

    # -- outputs -------------------------------------------------------------------------
    def test_output_prefix_is_returned_as_given(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        paths = make_output_paths(output_prefix, raw_output_prefix)
        assert paths.get_output_prefix_path() == output_prefix

    def test_output_error_and_deck_files_are_under_the_output_prefix(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        paths = make_output_paths(output_prefix, raw_output_prefix)
        assert paths.get_output_path() == join(output_prefix, OUTPUTS_FILE)
        assert paths.get_error_path() == join(output_prefix, ERROR_FILE)
        assert paths.get_deck_path() == join(output_prefix, DECK_FILE)

    def test_futures_file_is_under_the_output_prefix_where_offered(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        paths = make_output_paths(output_prefix, raw_output_prefix)
        futures = getattr(paths, "get_futures_path", None)
        if futures is None:
            pytest.skip("the paths offer no get_futures_path")
        assert futures() == join(output_prefix, FUTURES_FILE)

    def test_file_names_are_joined_with_one_slash(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        paths = make_output_paths(output_prefix + "/", raw_output_prefix + "/")
        assert paths.get_output_path() == join(output_prefix, OUTPUTS_FILE)
        assert "//" not in paths.get_error_path().split("://", 1)[-1]

    def test_every_reference_is_stable(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        paths = make_output_paths(output_prefix, raw_output_prefix, "")
        getters = (
            _OUTPUT_GETTERS if self.output_paths_are_read_only else (_OUTPUT_GETTERS + _RAW_GETTERS)
        )
        for name in getters:
            assert getattr(paths, name)() == getattr(paths, name)(), name

    # -- raw output and checkpoints --------------------------------------------------------
    def test_raw_output_prefix_is_returned_as_given(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        self._writable()
        paths = make_output_paths(output_prefix, raw_output_prefix)
        assert paths.get_raw_output_prefix() == raw_output_prefix

    def test_checkpoint_prefix_is_flytecheckpoints_under_the_raw_prefix(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        self._writable()
        paths = make_output_paths(output_prefix, raw_output_prefix)
        assert paths.get_checkpoint_prefix() == join(raw_output_prefix, CHECKPOINTS_FOLDER)

    def test_empty_raw_prefix_gives_an_empty_checkpoint_prefix(
        self, make_output_paths: MakeOutputPaths, output_prefix: str
    ) -> None:
        self._writable()
        paths = make_output_paths(output_prefix, "")
        assert (paths.get_raw_output_prefix(), paths.get_checkpoint_prefix()) == ("", "")

    def test_previous_checkpoints_prefix_is_returned_as_given(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        self._writable()
        previous = join(raw_output_prefix, "previous", CHECKPOINTS_FOLDER)
        paths = make_output_paths(output_prefix, raw_output_prefix, previous)
        assert paths.get_previous_checkpoints_prefix() == previous
        without = make_output_paths(output_prefix, raw_output_prefix)
        assert without.get_previous_checkpoints_prefix() == ""

    # -- read-only paths ---------------------------------------------------------------------
    def test_read_only_paths_refuse_raw_and_checkpoint_prefixes_clearly(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        self.require("output_paths_are_read_only", "the paths have a raw output area")
        paths = make_output_paths(output_prefix, raw_output_prefix)
        for name in _RAW_GETTERS:
            with pytest.raises(ValueError, match="read-only") as raised:
                getattr(paths, name)()
            assert output_prefix in str(raised.value), name

    def test_read_only_paths_have_no_previous_checkpoints(
        self, make_output_paths: MakeOutputPaths, output_prefix: str, raw_output_prefix: str
    ) -> None:
        self.require("output_paths_are_read_only", "the paths have a raw output area")
        paths = make_output_paths(output_prefix, raw_output_prefix, "ignored")
        assert paths.get_previous_checkpoints_prefix() == ""
