# lobby-kiosk: `make demo` runs the product on simulated devices, `make test` runs the suite.
# Both install what they need: Debian packages with apt (when root), then a .venv.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Debian packages the test suite needs (real stacks: PC/SC + virtual reader, pty pairs,
# Chromium for the console, PostgreSQL for the central service) and pyscard's build deps.
APT_TEST_PKGS := pcscd libpcsclite-dev swig vsmartcard-vpcd build-essential python3-dev \
	socat chromium postgresql-15 libusb-1.0-0 zbar-tools \
	fonts-wqy-microhei fontconfig systemd \
	xvfb xauth libgl1 libegl1 libgl1-mesa-dri libmtdev1 xclip
# fontconfig + a CJK font: slips printed with `text=raster` draw Chinese from them.
APT_RUN_PKGS := pcscd libpcsclite-dev swig build-essential python3-dev libusb-1.0-0 \
	fonts-wqy-microhei fontconfig \
	xvfb xauth libgl1 libegl1 libgl1-mesa-dri libmtdev1 xclip
# xvfb..libmtdev1: the Kivy touchscreen (OpenGL through Mesa, touch through mtdev; Xvfb
# gives tests, and a demo on a machine with no display, a screen to draw on). xclip: Kivy's
# text fields probe for it at start and print a traceback-like warning without it.

.PHONY: all demo test test-unit bench lint sysdeps sysdeps-run venv clean install-kiosk install-central

all: test

sysdeps:
	@$(MAKE) --no-print-directory _apt PKGS="$(APT_TEST_PKGS)"

sysdeps-run:
	@$(MAKE) --no-print-directory _apt PKGS="$(APT_RUN_PKGS)"

_apt:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Missing Debian packages (run as root, or: sudo apt-get install $$missing)"; exit 1; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,ui]' --config-settings editable_mode=compat
	@touch $(STAMP)

venv: $(STAMP)

test: sysdeps $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -p no:cacheprovider tests

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

bench: sysdeps $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: sysdeps-run $(STAMP)
	$(PY) -m kiosk.demo

# Deployment on Raspberry Pi OS / Debian 12 (README, "Deployment"): as root they install onto
# this machine; DRY_RUN=1 prints every step and changes nothing; DESTDIR=/abs/dir stages the
# files there and skips every step that acts on the running system.
install-kiosk:
	@DESTDIR="$(DESTDIR)" DRY_RUN="$(DRY_RUN)" systemd/install.sh kiosk

install-central:
	@DESTDIR="$(DESTDIR)" DRY_RUN="$(DRY_RUN)" systemd/install.sh central

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
