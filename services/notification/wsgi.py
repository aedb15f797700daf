"""gunicorn target: `services.notification.wsgi:app`."""

from services.notification import create_app

app = create_app()
