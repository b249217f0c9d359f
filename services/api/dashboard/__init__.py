"""The web dashboard of the api service (jinja2 pages, a little plain JavaScript).

Mounted by services/api/app.py through routes.py; docs/dashboard.md describes it.
"""
