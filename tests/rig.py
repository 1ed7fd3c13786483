"""The backend rig: one DataStore per backend, a unique prefix per test."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field

from pydantic import SecretStr

from plugio.references import parse_reference
from plugio.storage import DataStore

#: ``s3`` is S3 through obstore (the default when installed), ``s3fs`` through s3fs.
BACKENDS = ("memory", "local", "s3", "s3fs", "gcs", "azure")


@dataclass
class Rig:
    """A store on one backend, rooted at a prefix no other test uses.

    Capability flags say what the backend can do, so a test skips (with the
    reason) rather than asserting what the backend cannot promise.
    """

    name: str
    store: DataStore
    root: str
    conditional_create: bool = True
    has_etag: bool = True
    checks_credentials: bool = True
    prefix: str = field(default_factory=lambda: f"t-{uuid.uuid4().hex[:12]}")

    @property
    def base(self) -> str:
        """This test's own prefix."""
        return f"{self.root.rstrip('/')}/{self.prefix}"

    def ref(self, *keys: str) -> str:
        """A reference under this test's prefix."""
        return "/".join([self.base, *(key.strip("/") for key in keys)])

    def environment(self) -> dict[str, str]:
        """``PLUGIO_*`` variables that give another process this store's settings."""
        environment = {}
        for section in ("s3", "gcs", "azure"):
            options = getattr(self.store.config, section)
            for name in options.model_fields_set:
                value = getattr(options, name)
                if isinstance(value, SecretStr):
                    value = value.get_secret_value()
                text = str(value).lower() if isinstance(value, bool) else str(value)
                environment[f"PLUGIO_{section.upper()}__{name.upper()}"] = text
        return environment

    def named(self, name: str) -> str:
        """The reference of the object called ``name`` under this test's prefix, escaped as
        the key rule wants (``#`` and ``%`` included)."""
        parsed = parse_reference(self.base)
        if not parsed.scheme:
            return f"{self.base}/{name}"
        return dataclasses.replace(parsed, key=f"{parsed.key}/{name}").url
