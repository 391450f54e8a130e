"""The ASGI application for uvicorn: ``uvicorn editorial.asgi:app``."""

from editorial.app import create_app

app = create_app()
