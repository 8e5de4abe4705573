# Two commands do all the set-up on a fresh machine:
#   make serve   venv, install, ingest CORPUS into STORE, serve on 127.0.0.1:8000
#   make test    venv, install, lint, type-check, run the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
CORPUS ?= $(if $(wildcard ../shared/seeds),../shared/seeds,examples/corpus)
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The strict editable install links files that exist when it runs: reinstall when one is added.
SOURCES := pyproject.toml $(wildcard core/*.py api/*.py graph/*.py loaders/*.py queries/*.py queries/*.rq ontology/*.py ontology/*.ttl)

.PHONY: install ingest serve test lint bench clean

$(VENV)/.installed: $(SOURCES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]" --config-settings editable_mode=strict
	touch $@

install: $(VENV)/.installed

# A bad file in the corpus is reported and skipped; serving goes on with the rest.
ingest: install
	-$(BIN)/policygraph ingest $(CORPUS) --store $(STORE)

serve: ingest
	$(BIN)/policygraph serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core graph loaders api queries ontology

test: lint
	$(BIN)/python -m pytest -q

# Figures, not a test: a generated corpus ingested end to end, then questions timed over HTTP,
# directly in pyoxigraph and in rdflib. BENCH_ARGS="--small" for a quick run.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build var *.egg-info
