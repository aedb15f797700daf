"""gunicorn target: `services.inspection.wsgi:app`."""

from services.inspection import create_app

app = create_app()
