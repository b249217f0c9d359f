# The services image: the api (`python -m services.api`, the default) and the proxy
# (`python -m services.proxy`) run from it with different commands.
# Build from the repository root: docker build -t slipway-services .

# Dependencies come only from the lock (requirements/services.txt, exported from uv.lock),
# hash-checked, in their own stage; only the virtual environment is copied on. setuptools
# (requirements/build.txt) builds the one source-only package without pip's unpinned
# build isolation.
FROM python:3.11.13-slim-bookworm AS deps
RUN python -m venv /opt/venv
COPY requirements/build.txt requirements/services.txt /tmp/requirements/
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements/build.txt \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-build-isolation \
        -r /tmp/requirements/services.txt

# The api verifies the database's certificate (SLIPWAY_DATABASE_SSLMODE=verify-full) against
# Amazon's RDS CA bundle, every region's roots in one file, fetched when the image is built
# (AWS adds roots to it over time, so it is not pinned by hash). A download that does not
# hold CA certificates fails the build.
FROM python:3.11.13-slim-bookworm AS rds-ca
RUN python -c "import urllib.request; urllib.request.urlretrieve('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem', '/rds-global-bundle.pem')" \
    && python -c "import ssl, sys; n = ssl.create_default_context(cafile='/rds-global-bundle.pem').cert_store_stats()['x509_ca']; sys.exit(0 if n else 'no CA certificates in the RDS bundle')"

FROM python:3.11.13-slim-bookworm
# git resolves branches to commits for API deploys (ls-remote runs no repository code).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.39.* tini=0.19.* ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin slipway
COPY --from=deps /opt/venv /opt/venv
COPY --from=rds-ca /rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# The services run from their sources; the environment above is all they import.
WORKDIR /app
COPY services/ services/
COPY build_runner/ build_runner/
COPY scripts/ scripts/
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SLIPWAY_DATA_DIR=/tmp/slipway \
    SLIPWAY_BIND=0.0.0.0
WORKDIR /tmp
USER slipway
EXPOSE 8000 8080
# Liveness of whichever service the container runs, on HEALTH_PORT (ECS task definitions
# carry their own check on the same path).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HEALTH_PORT', '8000') + '/livez', timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "services.api"]
