# Two commands do all set-up on a fresh machine (see README):
#   make run    install into .venv and start the bot
#   make test   install into .venv (with test extras) and run pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench check-templates messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/python app.py

test: $(VENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

check-templates: $(VENV)/.installed
	$(BIN)/python -m bot.templates check

# Extract the bot's own words into locales/messages.pot and merge them into every catalog (docs/i18n.md).
messages: $(VENV)/.installed
	$(BIN)/python -m bot.words.catalogs update
