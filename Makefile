# Document Download: the recipient frontend and the document API, in TypeScript.
SHELL := /bin/bash
.DEFAULT_GOAL := help

DOCKER ?= docker
IMAGE ?= document-download-frontend
PORT ?= 7001

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "%-24s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: bootstrap
bootstrap: node_modules/.package-lock.json ## Install npm dependencies (npm ci)

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests use (Chromium, Redis, ShellCheck), when missing
	@bash scripts/ensure-system-deps.sh

.PHONY: build
build: bootstrap ## Build assets (Rollup) and compile TypeScript
	npm run --silent build

.PHONY: generate-version-file
generate-version-file: ## Write dist/version.json with the git commit and build time
	@bash scripts/generate-version-file.sh

.PHONY: lint
lint: bootstrap ## Type-check, lint and format-check everything
	npm run --silent lint

.PHONY: format
format: bootstrap ## Rewrite files with Prettier
	npx prettier --write .

.PHONY: test
test: system-deps build lint ## Install, build, lint and run every test
	npm run --silent test

.PHONY: run
run: build ## Start the whole system on embedded defaults and print a download link
	npm run --silent start:dev

.PHONY: clean
clean: ## Remove build output
	rm -rf dist test-output
