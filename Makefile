# Document Download: the recipient frontend and the document API, in TypeScript.
SHELL := /bin/bash
.DEFAULT_GOAL := help

DOCKER ?= docker
IMAGE ?= document-download-frontend
PORT ?= 7001
# With podman and no registry (docs/operations.md, "Container"): make bootstrap-with-docker DOCKER=podman \
#   BASE=localhost/node:24.22.3-bookworm-slim, then DOCKER_RUN_ARGS=--network=host for the run targets.
BASE ?=
DOCKER_BUILD_ARGS ?= $(if $(BASE),--build-arg BASE=$(BASE))
DOCKER_RUN_ARGS ?=
# On Node < 22 the AWS SDK warns at start that its releases after January 2027 will need Node 22. The lock pins
# a release that supports Node 20 and the image runs Node 24, so here the notice is noise (DESIGN-NOTES.md).
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?= true

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "%-24s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: bootstrap
bootstrap: node_modules/.package-lock.json ## Install npm dependencies (npm ci)

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests use (Chromium, Redis, radosgw, ClamAV, ShellCheck), when missing
	@bash scripts/ensure-system-deps.sh

.PHONY: build
build: bootstrap ## Build assets (Rollup) and compile TypeScript
	npm run --silent build

.PHONY: generate-version-file
generate-version-file: ## Write dist/version.json with the git commit and build time
	@bash scripts/generate-version-file.sh

.PHONY: lint
lint: bootstrap lint-container ## Type-check, lint and format-check everything
	npm run --silent lint

.PHONY: lint-container
lint-container: bootstrap ## Lint docker/Dockerfile (dockerfile-utils) and the shell scripts (ShellCheck)
	@out=$$(npx dockerfile-utils lint docker/Dockerfile); if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
	shellcheck -x entrypoint.sh scripts/*.sh

.PHONY: format
format: bootstrap ## Rewrite files with Prettier
	npx prettier --write .

.PHONY: test
test: system-deps build lint ## Install, build, lint and run every test
	npm run --silent test

.PHONY: run
run: build ## Start the whole system on embedded defaults and print a download link
	npm run --silent start:dev

.PHONY: start
start: build ## Production frontend on $(PORT): primary + workers, as `entrypoint.sh web` runs it
	PORT=$(PORT) ./entrypoint.sh web

.PHONY: bootstrap-with-docker
bootstrap-with-docker: ## Build the test image (docker/Dockerfile, target test) as $(IMAGE)
	$(DOCKER) build -f docker/Dockerfile --target test $(DOCKER_BUILD_ARGS) -t $(IMAGE) .

.PHONY: run-with-docker
run-with-docker: ## Development frontend in that image on $(PORT), reloading when src/ changes
	$(DOCKER) run -it --rm -p $(PORT):$(PORT) -e PORT=$(PORT) -v "$(CURDIR)/src:/home/vcap/app/src" \
		$(DOCKER_RUN_ARGS) $(IMAGE) web-local

.PHONY: test-with-docker
test-with-docker: ## Run make test inside that image
	$(DOCKER) run --rm $(DOCKER_RUN_ARGS) $(IMAGE) make test

.PHONY: container-smoke
container-smoke: ## Build the images with buildah, run and check the production one with podman
	bash scripts/container-smoke.sh

.PHONY: clean
clean: ## Remove build output
	rm -rf dist test-output
