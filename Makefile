# Madoguchi: `make demo` runs the whole system locally; `make test` runs every check.
# Both create .venv and install what they need. As root they also install the Debian
# packages; otherwise they print the exact apt-get line to run.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := xvfb xauth fonts-noto-cjk chromium libxcb-icccm4 libxcb-keysyms1 \
	libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libportaudio2 x11-xserver-utils postgresql \
	coturn nginx prometheus cage xwayland python3-venv nftables iproute2 debootstrap docker-compose systemd openssl

.PHONY: demo test check lint system-packages venv clean

demo: system-packages venv
	$(BIN)/madoguchi-demo

test: system-packages venv lint
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Some Debian packages are missing. Run:"; \
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $$missing"; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
