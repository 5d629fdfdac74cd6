# Shegong: `make run` serves the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: setup run demo test test-sqlite test-postgres lint bench messages clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Creating $(VENV) with $$python"; rm -rf $(VENV); $$python -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*; touch $@

run: setup  ## serve on http://127.0.0.1:8000 with SQLite and demo data
	$(VENV)/bin/shegong run

demo: setup
	$(VENV)/bin/shegong demo

test: setup  ## lint, then the whole suite on SQLite and on PostgreSQL
	scripts/test

test-sqlite: setup
	scripts/test --sqlite-only

lint: setup
	scripts/lint

bench: setup  ## city-scale benchmarks on PostgreSQL; results in bench/RESULTS.md
	scripts/bench

messages: setup  ## refresh the translation catalogue after changing strings
	cd src/shegong && ../../$(VENV)/bin/django-admin makemessages -l zh_Hans --no-obsolete --add-location file && ../../$(VENV)/bin/django-admin compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var test-artifacts
