"""Multipart uploads that a killed process left on S3: found and aborted.

An upload that fails is aborted by the client that made it; one whose process
was killed stays, invisible to listings but billed. Before a large upload,
plugio aborts those under the same prefix that started more than
``_keys.STALE_AFTER`` ago (a live upload of another process is younger). A
bucket lifecycle rule (README) removes whatever is never uploaded to again.
"""

from __future__ import annotations

import datetime
from typing import Any

from plugio.storage._keys import STALE_AFTER

__all__ = ["stale_uploads", "sweep_async", "sweep_blocking"]


def stale_uploads(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The uploads of a ``ListMultipartUploads`` answer started long enough ago."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        upload
        for upload in listing.get("Uploads", [])
        if (now - upload["Initiated"]).total_seconds() > STALE_AFTER
    ]


async def sweep_async(files: Any, key_prefix: str) -> None:
    """Abort the stale uploads under ``bucket/prefix`` with s3fs's async calls."""
    bucket, _, prefix = key_prefix.partition("/")
    found = await files._call_s3("list_multipart_uploads", Bucket=bucket, Prefix=prefix)
    for upload in stale_uploads(found):
        await files._call_s3(
            "abort_multipart_upload", Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )


def sweep_blocking(options: dict[str, Any], key_prefix: str) -> None:
    """The same with a new s3fs client of ``options``, where s3fs is installed."""
    from plugio.storage._protocols import installed

    if not installed("s3fs"):
        return  # the lifecycle rule is the only sweeper
    import s3fs

    files = s3fs.S3FileSystem(**options, skip_instance_cache=True)
    bucket, _, prefix = key_prefix.partition("/")
    found = files.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=prefix)
    for upload in stale_uploads(found):
        files.call_s3(
            "abort_multipart_upload", Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
