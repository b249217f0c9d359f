"""The API client a command talks to, built from the environment when first needed."""

from __future__ import annotations

import os
from pathlib import Path

from .client import ApiClient
from .config import resolve


def api() -> ApiClient:
    return ApiClient(resolve(os.environ, Path.cwd()))
