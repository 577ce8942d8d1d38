# qingdan: `make run` serves the demo county, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install browser run serve demo migrate test schemathesis bench messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo serve

# A county's own instance: the same server without the demo county (docs/onboarding.md).
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "qingdan: http://127.0.0.1:$(PORT)/  (Ctrl-C stops)"
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

# Debian's Chromium for the browser tests (never a downloaded browser); best effort: without it
# the browser tests skip and say why.
browser:
	@{ test -x /usr/bin/chromium && command -v pdftotext >/dev/null; } || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null) \
	  || echo "chromium could not be installed: the browser tests will be skipped"; }

test: install browser
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: the suite is missing or mis-configured"; exit 1; fi; \
	exit $$status

# The API fuzzed from its own OpenAPI schema (schemathesis) against a served demo county, a
# few minutes at most; CI runs it on SQLite and PostgreSQL (DATABASE_URL: an empty database).
schemathesis: install
	bash .ci/schemathesis

# On SQLite, then on a throw-away PostgreSQL server (.ci/with-postgres); city scale by default:
# make bench BENCH_ARGS="--scale province". Results: var/bench*.json.
bench: install
	$(BIN)/python manage.py bench $(BENCH_ARGS)
	$(BIN)/python manage.py bench_excel
	bash .ci/with-postgres sh -c '$(BIN)/python manage.py bench $(BENCH_ARGS) --postgres "$$PG_SERVER" \
	  --output var/bench-postgresql.json && \
	  $(BIN)/python manage.py bench_excel --postgres "$$PG_SERVER" --output var/bench_excel-postgresql.json'

# The user guides' screenshots (docs/img/), taken by the browser tests in a real Chromium.
screenshots: install browser
	$(BIN)/python -m tests.browser.doc_screenshots

# Regenerate the zh_Hans catalog of the project's strings (locale/; keeps existing translations;
# locale_third_party/ is kept by hand) and compile both.
# Needs GNU gettext (apt-get install gettext); the compiled .mo is committed, so running the
# app never does.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache
