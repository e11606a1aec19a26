# The README's two commands: `make run` and `make test`. `make bench` prints the figures.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench install clean system-packages templates

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The workbooks and the add-in are built only where none exists: one in use holds the user's work.
run: $(STAMP)
	$(BIN)/clientbase db upgrade
	$(BIN)/clientbase demo --if-empty
	$(BIN)/clientbase workbooks build --out build/workbooks --only-missing
	$(BIN)/clientbase addin build --out build/workbooks/clientbase_addin.xlam --only-missing
	$(BIN)/clientbase serve --host 127.0.0.1 --port 5000 --processes 2

# LibreOffice (PDF of documents; Calc opens the workbooks in the tests), a Khmer font (so Khmer PDFs show glyphs, not boxes) and zbar (the
# tests read the printed barcodes and QR codes back), from Debian.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	@if ! command -v soffice >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1 || \
		! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || \
		! fc-list 2>/dev/null | grep -qi "khmer os"; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			libreoffice-writer-nogui libreoffice-calc-nogui fonts-khmeros fonts-dejavu-core zbar-tools >/dev/null; \
	fi

# Two workers on two cores; each has its own SQLite files and its own PostgreSQL schema.
test: $(STAMP) system-packages
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench

# Rebuild the shipped Word templates from tools/build_templates.py and templates/words/ (a build step, not the server's).
templates: $(STAMP)
	$(BIN)/python -m tools.build_templates

clean:
	rm -rf $(VENV) build *.egg-info
