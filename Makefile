# Two commands do all set-up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run Staffroom: every platform with credentials, or the console when none has.
run: $(STAMP)
	$(BIN)/staffroom run

## Lint, type-check core, adapters and bots, and run the whole test suite (SQLite and PostgreSQL).
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check core adapters bots tests bench
	$(BIN)/ruff format --check core adapters bots tests bench
	$(BIN)/mypy --strict core adapters bots

## Re-extract user-facing text into core/locale/staffroom.pot and update every catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project=Staffroom --copyright-holder=Staffroom -o core/locale/staffroom.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i core/locale/staffroom.pot -d core/locale -D staffroom
	$(BIN)/pybabel compile -d core/locale -D staffroom

bench: $(STAMP)
	$(BIN)/python bench/run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
