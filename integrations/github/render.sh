#!/bin/sh
# The kserve-gitops GitHub Action's logic (action.yml runs it; docs/github-action.md). Plain
# POSIX sh with git and kserve-gitops on PATH, so it also runs, and is tested, outside GitHub.
#
#   KSERVE_PATHS       input folders or files, space-separated (required)
#   KSERVE_OUTPUT_DIR  the rendered folder (required)
#   KSERVE_MODE        commit: render, then commit and push the folder if it changed
#                      check:  fail (exit 1) and list the stale files if it is out of date
#   KSERVE_OVERLAY     an overlay name or path (optional)
#   KSERVE_ARGS        more options for render/diff/check, space-separated (optional)
#   KSERVE_COMMIT_MESSAGE, KSERVE_PUSH (true|false)   commit mode only
# On pull requests (GITHUB_EVENT_NAME=pull_request) `kserve-gitops diff` goes to the job
# summary ($GITHUB_STEP_SUMMARY) first, whatever the mode. `changed=true|false` goes to
# $GITHUB_OUTPUT.
set -eu

paths=${KSERVE_PATHS:?KSERVE_PATHS: the input paths are required}
out=${KSERVE_OUTPUT_DIR:?KSERVE_OUTPUT_DIR: the rendered folder is required}
mode=${KSERVE_MODE:-check}
case $mode in
commit | check) ;;
*)
    echo "::error title=kserve-gitops::mode must be commit or check, not \"$mode\""
    exit 2
    ;;
esac

# The options every command takes: paths, overlay, extra args (split on spaces, no globbing).
set -f
set --
for path in $paths; do set -- "$@" "$path"; done
[ -z "${KSERVE_OVERLAY:-}" ] || set -- "$@" --overlay "$KSERVE_OVERLAY"
for arg in ${KSERVE_ARGS:-}; do set -- "$@" "$arg"; done
set +f

output() {
    [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1" >>"$GITHUB_OUTPUT"
}

if [ "${GITHUB_EVENT_NAME:-}" = pull_request ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    diff_file=$(mktemp)
    trap 'rm -f "$diff_file"' EXIT
    status=0
    kserve-gitops diff "$@" -o "$out" --no-color >"$diff_file" || status=$?
    case $status in
    0) printf '### kserve-gitops: `%s` is unchanged by this pull request\n' "$out" \
        >>"$GITHUB_STEP_SUMMARY" ;;
    1)
        {
            printf '### kserve-gitops: changes to `%s`\n\n```diff\n' "$out"
            cat "$diff_file"
            printf '```\n'
        } >>"$GITHUB_STEP_SUMMARY"
        ;;
    *) exit "$status" ;; # invalid input: the problems are on stderr already
    esac
fi

if [ "$mode" = check ]; then
    status=0
    kserve-gitops check "$@" -o "$out" || status=$?
    if [ "$status" = 1 ]; then
        output changed=true
        echo "::error title=kserve-gitops::$out is stale: run kserve-gitops render $* -o $out"
    fi
    [ "$status" = 0 ] || exit "$status"
    output changed=false
    exit 0
fi

kserve-gitops render "$@" -o "$out"
git add --all -- "$out"
if git diff --cached --quiet -- "$out"; then
    echo "kserve-gitops: $out is up to date; nothing to commit" >&2
    output changed=false
    exit 0
fi
git config user.name >/dev/null || git config user.name "github-actions[bot]"
git config user.email >/dev/null ||
    git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git commit --quiet -m "${KSERVE_COMMIT_MESSAGE:-Render KServe manifests into $out}" -- "$out"
echo "kserve-gitops: committed $(git rev-parse --short HEAD) ($out)" >&2
output changed=true
if [ "${KSERVE_PUSH:-true}" = true ]; then
    branch=${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-$(git symbolic-ref --short HEAD)}}
    git push --quiet origin "HEAD:refs/heads/$branch"
fi
