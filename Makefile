PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint messages clean

demo: $(VENV)/.installed
	$(BIN)/fundledger demo

test: $(VENV)/.installed-test
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the console's catalogues: new labels into messages.pot, then into each .po
LOCALE := api/console/locale
messages: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F api/console/babel.cfg -k N_ --no-location \
		--sort-output --project fundledger -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) \
		--ignore-obsolete --no-fuzzy-matching

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	sh tests/system_packages.sh
	touch $@

clean:
	rm -rf $(VENV) .fundledger
