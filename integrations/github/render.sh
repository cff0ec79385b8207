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
#   KSERVE_ALLOW_EMPTY (true|false)   commit mode: render --allow-empty (prune everything)
# On pull requests (GITHUB_EVENT_NAME=pull_request) `kserve-gitops diff` goes to the job
# summary ($GITHUB_STEP_SUMMARY) first, whatever the mode, cut to stay under GitHub's 1 MiB
# limit per step (SUMMARY_LIMIT_BYTES, for tests). `changed=true|false` goes to $GITHUB_OUTPUT.
#
# Commit mode on a pull request commits onto the pull request's head branch, never onto the
# merge commit actions/checkout checks out; a pull request from a fork is skipped (its branch
# is not this repository's to push to).
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

# GitHub drops a step summary over 1 MiB whole: keep ours well under it.
limit=${SUMMARY_LIMIT_BYTES:-1000000}

summarize_diff() { # DIFF_FILE: a diff block, cut at a line end when it would pass the limit
    size=$(wc -c <"$1")
    room=$((limit - 400)) # the heading, the fences and the note
    printf '### kserve-gitops: changes to `%s`\n\n```diff\n' "$out"
    if [ "$size" -le "$room" ]; then
        cat "$1"
        printf '```\n'
        return
    fi
    head -c "$room" "$1" | sed '$d' # the last line may be cut: drop it
    printf '```\n\n'
    printf '**Truncated**: the diff has %s bytes; the job summary shows the first %s. ' \
        "$size" "$room"
    printf 'Run `kserve-gitops diff` locally for all of it.\n'
}

if [ "${GITHUB_EVENT_NAME:-}" = pull_request ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    diff_file=$(mktemp)
    trap 'rm -f "$diff_file"' EXIT
    status=0
    kserve-gitops diff "$@" -o "$out" --no-color >"$diff_file" || status=$?
    case $status in
    0) printf '### kserve-gitops: `%s` is unchanged by this pull request\n' "$out" \
        >>"$GITHUB_STEP_SUMMARY" ;;
    1) summarize_diff "$diff_file" >>"$GITHUB_STEP_SUMMARY" ;;
    *) exit "$status" ;; # invalid input: the problems are on stderr already
    esac
fi

if [ "$mode" = check ]; then
    status=0
    said=$(mktemp)
    trap 'rm -f "$said" ${diff_file:+"$diff_file"}' EXIT
    kserve-gitops check "$@" -o "$out" 2>"$said" || status=$?
    cat "$said" >&2
    if [ "$status" = 1 ]; then
        output changed=true
        # check's last line gives the render that brings the folder up to date (with
        # --allow-empty when the inputs render nothing).
        echo "::error title=kserve-gitops::$out is stale: $(tail -n 1 "$said")"
    fi
    [ "$status" = 0 ] || exit "$status"
    output changed=false
    exit 0
fi

# The pull request's head (branch, commit, repository), from the event payload.
pr_head() {
    python3 -c '
import json, os, sys
head = json.load(open(os.environ["GITHUB_EVENT_PATH"]))["pull_request"]["head"]
print((head.get("repo") or {}).get("full_name") or "")
' 2>/dev/null
}

if [ "${GITHUB_EVENT_NAME:-}" = pull_request ]; then
    head_repo=$(pr_head) || head_repo=
    if [ -z "$head_repo" ] || [ "$head_repo" != "${GITHUB_REPOSITORY:-}" ]; then
        echo "::warning title=kserve-gitops::commit mode skipped: the pull request comes from" \
            "${head_repo:-a fork or a deleted repository}, whose branch this workflow cannot" \
            "push to; use mode: check for such pull requests"
        output changed=false
        exit 0
    fi
    branch=${GITHUB_HEAD_REF:?GITHUB_HEAD_REF: the pull request branch is unknown}
    # actions/checkout checked out the merge commit refs/pull/N/merge: commit on the branch.
    git fetch --quiet origin "refs/heads/$branch"
    git checkout --quiet --detach FETCH_HEAD
fi

empty=
[ "${KSERVE_ALLOW_EMPTY:-false}" != true ] || empty=--allow-empty
kserve-gitops render "$@" ${empty:+"$empty"} -o "$out"
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
    if ! git push --quiet origin "HEAD:refs/heads/$branch"; then
        echo "::error title=kserve-gitops::$branch moved while this run rendered it (another" \
            "run or a new push); the newer run renders it. Give the workflow a concurrency" \
            "group (docs/github-action.md)"
        exit 1
    fi
fi
