# Benken: `make run` to talk to the bot in the terminal, `make test` to run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALES := nb en ar so ur pl ti tr uk fa
STAFF_LOCALES := nb en
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: run test chromium posters messages bench clean

# The venv is rebuilt when pyproject.toml changes; the stamp records a finished install.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# `benken chat` migrates the database and loads the demo dugnads when it is empty.
run: $(BIN)/.installed posters
	@$(BIN)/benken chat

# The whole suite on SQLite, then again on PostgreSQL when it answers (or when
# BENKEN_REQUIRE_POSTGRES=1, which makes an unreachable server a failure). The web
# desk's browser tests need Debian's Chromium: installed here when missing (as root);
# without it they skip, or fail under BENKEN_REQUIRE_BROWSER=1 (set by .ci/run).
test: $(BIN)/.installed chromium posters
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@if BENKEN_TEST_DATABASE=postgresql $(BIN)/python -m tests.pg_available "$(TEST_POSTGRES_URL)"; then \
		BENKEN_TEST_DATABASE=postgresql TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" \
			$(BIN)/python -m pytest -q -p no:cacheprovider; \
	elif [ "$${BENKEN_REQUIRE_POSTGRES:-0}" = "1" ]; then \
		echo "PostgreSQL is required (BENKEN_REQUIRE_POSTGRES=1) but does not answer at $(TEST_POSTGRES_URL)"; exit 1; \
	else \
		echo "PostgreSQL run SKIPPED: no server answers at $(TEST_POSTGRES_URL) (set TEST_POSTGRES_URL)"; \
	fi

# Playwright drives this Chromium; `playwright install` is never run (it downloads a browser).
chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "could not install chromium: the browser tests will skip"; }

# Posters (`benken poster`) and their tests need Pango for WeasyPrint, Noto fonts for every
# script (Noto Sans, Naskh Arabic, Nastaliq Urdu, Sans Ethiopic: all in fonts-noto-core),
# and poppler-utils and zbar-tools to render a poster and read its QR code back in tests.
POSTER_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core poppler-utils zbar-tools
posters:
	@if ! fc-list 2>/dev/null | grep -q NotoSansEthiopic || ! command -v pdftoppm >/dev/null \
		|| ! command -v zbarimg >/dev/null || ! ldconfig -p | grep -q libpangoft2; then \
		echo "installing $(POSTER_PACKAGES) for posters"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(POSTER_PACKAGES) >/dev/null) \
		|| echo "could not install $(POSTER_PACKAGES): posters lack fonts and their tests skip"; \
	fi

# Extract the strings residents see (domain "messages", every language) and the strings
# staff see (domain "staff", marked _s/_sn, Norwegian and English), and merge them.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg --add-comments=Translators: --sort-by-file \
		--project=Benken --copyright-holder="Benken developers" -o locales/messages.pot .
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _s -k _sn:1,2 --add-comments=Translators: \
		--sort-by-file --project=Benken --copyright-holder="Benken developers" -o locales/staff.pot .
	@for lang in $(STAFF_LOCALES); do \
		$(BIN)/pybabel update --no-fuzzy-matching -D staff -i locales/staff.pot -d locales -l $$lang; \
	done
	@for lang in $(LOCALES); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -i locales/messages.pot -d locales -l $$lang; \
		else \
			$(BIN)/pybabel init -i locales/messages.pot -d locales -l $$lang; \
		fi; \
	done

# Speed, cost and survival figures, measured side by side; writes bench/RESULTS.md
# (under 10 minutes on 2 cores; uses PostgreSQL at TEST_POSTGRES_URL when it answers).
bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) benken.db benken.db-wal benken.db-shm
