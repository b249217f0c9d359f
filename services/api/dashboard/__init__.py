"""The web dashboard of the api service (jinja2 pages, a little plain JavaScript).

Kept free of imports so that `rollback` can be used by the CLI without loading Litestar.
"""
