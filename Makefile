# karakuri: `make run` starts the local stack, `make test` runs every test.
# Both bootstrap .venv (Python 3.11) and the Node packages of the SDK compatibility suite.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
AWS_PORT ?= 8001
MQTT_PORT ?= 1883
FRESH ?=
COMPAT := tests/compat
# Under faketime only the calendar moves: monotonic clocks stay real, or every timed wait
# (locks, events, timers) would sleep for months or spin (libfaketime computes absolute
# deadlines from a faked monotonic clock that the kernel does not share).
export FAKETIME_DONT_FAKE_MONOTONIC = 1
# ...and Python's time.sleep, which that setting breaks, is mended there (tests/timeshift).
export PYTHONPATH := $(CURDIR)/tests/timeshift$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: run test test-timeshift check lint typecheck compat-deps requirements package bench clean vendor console browser

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "karakuri needs $(PYTHON) (js2py does not run on 3.12+)"; exit 1; }
	@test -x $(BIN)/python || { echo "  creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(PYTHON) scripts/progress.py "installing Python packages into $(VENV)" -- \
		$(BIN)/pip install --disable-pip-version-check --progress-bar off -e '.[local,dev]'
	@touch $@

$(COMPAT)/node_modules/.installed: $(COMPAT)/package.json $(COMPAT)/package-lock.json
	@$(PYTHON) scripts/progress.py "installing the Node packages of $(COMPAT)" -- \
		npm ci --prefix $(COMPAT) --no-audit --no-fund --loglevel=error
	@touch $@

compat-deps: $(COMPAT)/node_modules/.installed

# Libraries Kii's server environment offered (require('underscore')), taken from npm at build
# time into a git-ignored folder that the prelude loads and `chalice package` ships.
UNDERSCORE := 1.13.8
VENDOR := chalicelib/runtime/vendor
$(VENDOR)/underscore.js: Makefile
	rm -rf build/vendor && mkdir -p build/vendor $(VENDOR)
	cd build/vendor && npm pack --silent --loglevel=error underscore@$(UNDERSCORE) >/dev/null \
		&& tar xzf underscore-$(UNDERSCORE).tgz package/underscore-umd.js package/LICENSE
	python3 -c 'import json, sys; print("/* underscore $(UNDERSCORE) (MIT, see LICENSE.underscore), as a string:" \
		" compiled only when required */\nvar __kii_underscoreSource = " + json.dumps(open(sys.argv[1]).read()) + ";")' \
		build/vendor/package/underscore-umd.js > $@.tmp
	cp build/vendor/package/LICENSE $(VENDOR)/LICENSE.underscore
	mv $@.tmp $@

vendor: $(VENDOR)/underscore.js

# The developer console (docs/console.md): Preact + htm bundled by esbuild from console/ into a
# git-ignored folder that /console serves and `chalice package` ships.
CONSOLE := chalicelib/console
CONSOLE_SOURCES := console/index.html console/build.mjs $(wildcard console/src/*.js console/src/*.css console/src/views/*.js)
console/node_modules/.installed: console/package.json console/package-lock.json
	@$(PYTHON) scripts/progress.py "installing the Node packages of console/" -- \
		npm ci --prefix console --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE)/index.html: console/node_modules/.installed $(CONSOLE_SOURCES)
	node console/build.mjs $(CONSOLE)

console: $(CONSOLE)/index.html

# The browser of the end-to-end tests (tests/e2e): Debian's Chromium, driven by Playwright
# (a Python package of .[dev]). Without apt-get (not root) the tests skip and say why.
browser: /usr/bin/chromium

/usr/bin/chromium:
	@echo "installing Debian's chromium for the console's end-to-end tests (needs apt-get, as root)"
	-apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

run: $(BIN)/.installed vendor console
	KARAKURI_LOCAL_PORT=$(PORT) KARAKURI_LOCAL_AWS_PORT=$(AWS_PORT) KARAKURI_LOCAL_MQTT_PORT=$(MQTT_PORT) KARAKURI_FRESH=$(FRESH) \
		$(BIN)/chalice local --stage local --host 127.0.0.1 --port $(PORT) --no-autoreload

test: $(BIN)/.installed compat-deps vendor console browser check
	$(BIN)/pytest

# The Python suites with the machine's calendar a year ahead and months behind: no test may
# depend on today's date (tests drive the services' one clock).
test-timeshift: $(BIN)/.installed compat-deps vendor console browser /usr/bin/faketime
	faketime '+400 days' $(BIN)/pytest -p no:cacheprovider
	faketime '-200 days' $(BIN)/pytest -p no:cacheprovider

/usr/bin/faketime:
	@echo "installing Debian's faketime (needs apt-get, as root)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime

check: lint typecheck package

lint: $(BIN)/.installed
	$(BIN)/ruff check chalicelib app.py tests bench scripts
	$(BIN)/ruff format --check chalicelib app.py tests bench scripts

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# requirements.txt (read by `chalice package`/`deploy`) is generated from pyproject.toml.
requirements: $(BIN)/.installed
	$(BIN)/python scripts/requirements.py > requirements.txt

# The merged CloudFormation/SAM template must pass cfn-lint.
package: $(BIN)/.installed vendor console
	rm -rf build/package
	AWS_DEFAULT_REGION=us-east-1 $(BIN)/chalice package --stage dev --merge-template infra/template.json build/package
	$(BIN)/cfn-lint build/package/sam.json

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

# Benchmarks print their figures; the latest ones are recorded in BENCHMARKS.md.
bench: $(BIN)/.installed vendor
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/objects.py
	$(BIN)/python bench/servercode.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/servercode_env.py
	$(BIN)/python bench/hooks.py
	$(BIN)/python bench/powertools.py
	$(BIN)/python bench/thingif.py
	$(BIN)/python bench/scale.py
