# The hub's image for compose.yaml: `madoguchi[hub,postgres]` only, no media or Qt libraries.
# Built from the repository's root (compose.yaml's build context is ../..).
FROM python:3.11.11-slim-bookworm

RUN useradd --system --uid 10001 --home-dir /var/lib/madoguchi madoguchi \
 && install -d -m 0700 -o madoguchi -g madoguchi /var/lib/madoguchi

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY signaling ./signaling
COPY call ./call
COPY kiosk ./kiosk
COPY staff_console ./staff_console
COPY demo ./demo
COPY language ./language
RUN pip install --no-cache-dir '.[hub,postgres]' && rm -rf /src

WORKDIR /var/lib/madoguchi
USER madoguchi
ENV PYTHONUNBUFFERED=1
EXPOSE 8765
CMD ["madoguchi-signaling", "--config", "/run/secrets/hub_toml"]
