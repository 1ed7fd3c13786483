"""``python -m plugio.service``: run the plugio service (as a client starts it on demand)."""

from __future__ import annotations

from plugio.service._main import main

main()
