"""Local files and folders become uploaded blobs, and blobs come back as lazy references."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from rig import Rig

from plugio.core import BlobType
from plugio.literals import (
    BlobRef,
    LocalBlob,
    from_literal_map,
    to_literal_map,
    to_literal_map_async,
)

HEX32 = "[0-9a-f]{32}"


def make_folder(root: Path) -> Path:
    folder = root / "model"
    (folder / "layers").mkdir(parents=True)
    (folder / "config.json").write_text('{"depth": 2}')
    (folder / "layers" / "0.bin").write_bytes(b"\x00" * 1000)
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_files_and_folders_upload_and_download(rig: Rig, local_dir: Path) -> None:
    report = local_dir / "report.csv"
    report.write_text("a,b\n1,2\n")
    folder = make_folder(local_dir)
    raw = rig.ref("raw")
    outputs = to_literal_map(
        {"report": report, "model": folder, "table": LocalBlob(report, format="csv")},
        store=rig.store,
        raw_output_prefix=raw,
    )
    blob = outputs.literals["report"].scalar.blob
    assert re.fullmatch(f"{re.escape(raw)}/{HEX32}/report.csv", blob.uri)
    assert blob.metadata.type.dimensionality == BlobType.SINGLE
    assert outputs.literals["table"].scalar.blob.metadata.type.format == "csv"
    model_blob = outputs.literals["model"].scalar.blob
    assert re.fullmatch(f"{re.escape(raw)}/{HEX32}", model_blob.uri)
    assert model_blob.metadata.type.dimensionality == BlobType.MULTIPART

    read = from_literal_map(outputs, store=rig.store)
    assert read["table"] == BlobRef(outputs.literals["table"].scalar.blob.uri, format="csv")
    assert read["report"].download(local_dir / "copy.csv").read_text() == "a,b\n1,2\n"
    with read["report"].open() as handle:
        assert handle.read() == b"a,b\n1,2\n"
    assert tree(read["model"].download(local_dir / "restored")) == tree(folder)


def test_async_uploads_and_downloads(rig: Rig, local_dir: Path) -> None:
    folder = make_folder(local_dir)

    async def scenario() -> None:
        outputs = await to_literal_map_async(
            {"files": [folder / "config.json", folder], "empty": make_empty(local_dir)},
            store=rig.store,
            raw_output_prefix=rig.ref("raw"),
        )
        read = from_literal_map(outputs, store=rig.store)
        config, model = read["files"]
        fetched = await config.download_async()  # into a temporary folder of its own
        assert fetched.read_text() == '{"depth": 2}'
        shutil.rmtree(fetched.parent)
        assert tree(await model.download_async(local_dir / "model-copy")) == tree(folder)
        assert list((await read["empty"].download_async(local_dir / "e")).iterdir()) == []

    asyncio.run(scenario())


def make_empty(root: Path) -> Path:
    empty = root / "empty"
    empty.mkdir()
    return empty


def test_a_blob_reference_is_written_as_it_is_without_copying() -> None:
    ref = BlobRef("s3://bucket/data/parts", multipart=True, format="parquet")
    literal = to_literal_map({"parts": ref}).literals["parts"].scalar.blob
    assert (literal.uri, literal.metadata.type.format) == ("s3://bucket/data/parts", "parquet")
    assert literal.metadata.type.dimensionality == BlobType.MULTIPART


def test_a_multipart_blob_cannot_be_opened() -> None:
    with pytest.raises(IsADirectoryError):
        BlobRef("memory://b/folder", multipart=True).open()


def test_reading_does_no_io_and_a_missing_single_blob_fails_on_download(tmp_path: Path) -> None:
    literal_map = to_literal_map({"f": BlobRef("memory://nowhere/missing.txt")})
    ref = from_literal_map(literal_map)["f"]
    with pytest.raises(FileNotFoundError):
        ref.download(tmp_path / "x")
