# Each target sets up its own .venv on first use, so a fresh clone needs only Python 3.11 and pip.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

demo: $(STAMP)
	$(VENV)/bin/chungtay demo

bench: $(STAMP)
	$(PY) bench/photos.py

clean:
	rm -rf $(VENV)
