"""Registry's web pages: the public directory (`directory.py`), its words in both languages
(`i18n.py`), its templates and its one stylesheet (`templates/`, `static/`)."""
