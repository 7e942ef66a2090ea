"""The ASGI entry point for uvicorn or granian: `uvicorn app.asgi:app`."""

import app as _package  # noqa: F401  (sets PICCOLO_CONF)
from app.factory import create_app

app = create_app()
