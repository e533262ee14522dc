# UnionNews: `make run` for the demo site, `make test` for the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_ARGS ?=

.PHONY: install run serve test lint format migrations-check clean

install: $(STAMP) $(NODE_STAMP)

# Reinstalls only when pyproject.toml changes (or the venv is missing).
$(STAMP): pyproject.toml
	python3.11 -m venv $(VENV) && $(VENV)/bin/pip install -q --upgrade pip && $(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

# The HTML checker (vnu-jar, run with the machine's Java) and axe-core for the quality tests;
# reinstalled only when package-lock.json changes (or node_modules is missing).
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# http://127.0.0.1:8000/, or another port with PORT=8100 make run.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	PORT=$${PORT:-8000} $(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$${PORT:-8000}

# The demo with production's parts: nginx (buffers and caps bodies) in front of gunicorn,
# DEBUG off, Redis as the shared cache; http://127.0.0.1:8080/ (deploy/serve.py).
serve: $(STAMP)
	$(PY) manage.py migrate --noinput
	PORT=$${PORT:-8080} $(PY) manage.py seed_demo
	$(PY) deploy/serve.py

# pytest exits 5 when it collects no test: that is a failure here, never a silent pass.
test: $(STAMP) $(NODE_STAMP) migrations-check
	@$(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$rc

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var/
