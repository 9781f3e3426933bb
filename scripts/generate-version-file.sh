#!/usr/bin/env bash
# Records which commit this build came from and when it was made (the seed's generate-version-file).
set -euo pipefail
commit=${GIT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
mkdir -p dist
printf '{"git_commit":"%s","build_time":"%s"}\n' "$commit" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > dist/version.json
cat dist/version.json
