"""gunicorn target: `services.staffing.wsgi:app`."""

from services.staffing import create_app

app = create_app()
