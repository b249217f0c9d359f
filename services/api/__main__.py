"""`python -m services.api`: run the api service (and its dispatcher) from the environment."""

from __future__ import annotations

import logging

import uvicorn

from services.core.private_files import keep_files_private, private_directory
from services.core.settings import load_settings

from .app import create_app

# One line per record, space-separated: CloudWatch metric filters read its fields
# (terraform/modules/alarms).
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    keep_files_private()
    settings = load_settings("api", api_token=True)
    logging.getLogger("alembic").setLevel(settings.log_level.upper())
    private_directory(settings.data_dir)
    uvicorn.run(
        create_app(settings),
        host=settings.bind,
        port=settings.api_port,
        log_level=settings.log_level,
        timeout_keep_alive=75,  # above the ALB's 60 s idle timeout
        access_log=False,
    )


if __name__ == "__main__":
    main()
