# Staffroom in a container. Configuration comes from the environment (STAFFROOM_<SECTION>__<KEY>,
# see .env.example and config.example.toml); data lives in the /data volume.
#
#   docker build -t staffroom .
#   docker run -d --name staffroom -v staffroom-data:/data --env-file .env -p 127.0.0.1:8080:8080 staffroom
#
# compose.yaml runs it with PostgreSQL, a migration step, a front-end and a worker (INSTALL.md).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/staffroom
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY adapters ./adapters
COPY bots ./bots
COPY migrations ./migrations
# A regular (not editable) install without the test extras: the image needs no source tree.
RUN /opt/staffroom/bin/pip install .

FROM ${PYTHON_IMAGE}
# The PostgreSQL client tools for `staffroom backup` / `restore`, of the server's major version
# (compose.yaml runs postgres:16): pg_dump refuses newer servers and its dumps may not load into
# older ones. They come from the PostgreSQL project's apt repository, set up by Debian's own
# postgresql-common script with the signing key that package ships.
# The fonts are for the CPD portfolio PDF: DejaVu for Latin, Greek and Cyrillic (Welsh ŵ ŷ), Noto
# for Chinese, Japanese, Korean and emoji; without them the PDF marks what it cannot draw.
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
       fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

ARG UID=10001
RUN groupadd --system --gid "${UID}" staffroom \
    && useradd --system --uid "${UID}" --gid staffroom --home-dir /data --shell /usr/sbin/nologin staffroom \
    && install -d -o staffroom -g staffroom -m 0750 /data
COPY --from=build /opt/staffroom /opt/staffroom

ENV PATH=/opt/staffroom/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STAFFROOM_DATABASE__URL=sqlite:////data/staffroom.db \
    STAFFROOM_SERVER__HOST=0.0.0.0 \
    STAFFROOM_SERVER__PORT=8080

USER staffroom
# The working directory is the data volume: a staffroom.toml placed there is read, and
# `staffroom backup` writes there unless given a path.
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# /healthz answers 200 when the database and every platform connection are fine, 503 otherwise.
# Plain urllib, proxies ignored (a proxy must never see a request for 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; opener = urllib.request.build_opener(urllib.request.ProxyHandler({})); port = os.environ.get('STAFFROOM_SERVER__PORT', '8080'); sys.exit(0 if opener.open(f'http://127.0.0.1:{port}/healthz', timeout=8).status == 200 else 1)"]

# SIGTERM (docker stop) makes Staffroom finish in-flight work and stop cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["staffroom"]
CMD ["run"]
