# Why −log p? -- the two commands a newcomer needs:
#
#   make book   install what the book needs into .venv, build the website into _build/html
#   make test   install the test tools too, run every test and execute every notebook
#
# Also: make pdf (the PDF edition; needs TeX, see below), make lab (open the chapters in JupyterLab), make bench (timings), make clear
# (strip notebook outputs before committing), make assignments (student notebooks, autograders
# and answer keys for the problem sets, into _build/assignments), make grade, make clean.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Jupyter kernels started from here (nbval, the book build) use the venv's Python.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: book test lab bench clear clean assignments grade pdf

book: $(VENV)/.installed-book _build/.lib-stamp
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open $(CURDIR)/_build/html/index.html in a browser."

# The PDF edition, from the same sources. Needs TeX from Debian (what .ci/run installs):
# apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk
#                 fonts-freefont-otf librsvg2-bin poppler-utils
# The website links to _build/html/why-log-p.pdf, so build the book first.
pdf: $(VENV)/.installed-book _build/.lib-stamp
	@command -v xelatex >/dev/null || { echo "make pdf needs TeX: see the comment above 'pdf:' in the Makefile"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	mkdir -p _build/html
	cp _build/latex/why-log-p.pdf _build/html/why-log-p.pdf
	@echo "The PDF edition is built: $(CURDIR)/_build/latex/why-log-p.pdf (also linked from the website)"

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# JupyterLab's version comes from requirements-dev.txt (the JupyterLab test uses the same).
# The server's root is the repository, so the chapters' links to ../notation.md work
# (--allow-root only where make runs as root, e.g. in a container).
# As on Binder (postBuild), JupyterLab saves widget state, so a reopened notebook shows its explorers.
lab: $(VENV)/.installed-book
	$(BIN)/pip install --quiet "$$(grep -m1 '^jupyterlab' requirements-dev.txt)"
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp _explorer/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab --LabApp.default_url=/lab/tree/chapters $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(VENV)/.installed-dev
	$(BIN)/python scripts/benchmark.py

clear: $(VENV)/.installed-book
	$(BIN)/python scripts/clear_outputs.py

# Student notebooks (also copied into problem_sets/, committed), autograders and answer keys.
# Needs only otter-grader and the learner's packages (requirements-assignments.txt).
assignments: $(VENV)/.installed-assignments
	$(BIN)/python scripts/build_assignments.py --publish

# Grade a folder of submissions into one CSV: make grade SET=ps4_one_hot_collapse SUBMISSIONS=folder
# (in Docker containers when Docker runs; add TRUSTED=1 to grade on this machine without Docker).
grade: $(VENV)/.installed-assignments
	$(BIN)/python scripts/grade_class.py $(SET) $(SUBMISSIONS) $(if $(TRUSTED),--trusted)

clean:
	rm -rf _build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-book: requirements.txt requirements-book.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-book.txt
	touch $@

$(VENV)/.installed-assignments: requirements.txt requirements-assignments.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-assignments.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-book.txt requirements-assignments.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-book $(VENV)/.installed-assignments

# The build caches executed notebooks, keyed on their code only. When lib/ changes,
# throw the cache away so no page shows numbers computed by the old lib.
_build/.lib-stamp: $(wildcard lib/*.py)
	rm -rf _build/.jupyter_cache _build/jupyter_execute
	mkdir -p _build
	touch $@
