#!/bin/sh
# The Argo CD plugin's generate command (plugin.yaml), installed in the sidecar image as
# kserve-gitops-argocd-generate. Argo CD runs it in the Application's source folder; it renders
# that folder with kserve-gitops: manifests on stdout, logs on stderr, and a non-zero exit on any
# error so Argo CD keeps the last good manifests.
#
# Each setting comes from a plugin parameter (spec.source.plugin.parameters), else from an
# environment entry (spec.source.plugin.env; Argo CD prefixes it with ARGOCD_ENV_):
#   overlay                   PARAM_OVERLAY                  ARGOCD_ENV_KSERVE_OVERLAY
#   default-deployment-mode   PARAM_DEFAULT_DEPLOYMENT_MODE  ARGOCD_ENV_KSERVE_DEFAULT_DEPLOYMENT_MODE
#   knative-domain            PARAM_KNATIVE_DOMAIN           ARGOCD_ENV_KSERVE_KNATIVE_DOMAIN
#   sync-waves (true|false)   PARAM_SYNC_WAVES               ARGOCD_ENV_KSERVE_SYNC_WAVES
#   paths (array)             PARAM_PATHS_0, PARAM_PATHS_1…  ARGOCD_ENV_KSERVE_PATHS (space-separated)
#   config (map)              ARGOCD_APP_PARAMETERS (JSON: map keys keep their spelling)
# Objects without a namespace get the Application's destination namespace: kserve-gitops reads
# ARGOCD_APP_NAMESPACE itself.
set -eu

fail() {
    echo "kserve-gitops plugin: $*" >&2
    exit 2
}

overlay=${PARAM_OVERLAY:-${ARGOCD_ENV_KSERVE_OVERLAY:-}}
mode=${PARAM_DEFAULT_DEPLOYMENT_MODE:-${ARGOCD_ENV_KSERVE_DEFAULT_DEPLOYMENT_MODE:-}}
domain=${PARAM_KNATIVE_DOMAIN:-${ARGOCD_ENV_KSERVE_KNATIVE_DOMAIN:-}}
waves=${PARAM_SYNC_WAVES:-${ARGOCD_ENV_KSERVE_SYNC_WAVES:-false}}

# The repository root is the source folder minus ARGOCD_APP_SOURCE_PATH; extra input paths and
# the overlay may not leave the repository (Argo CD: "sanitize/escape user input").
root=$(pwd -P)
set -f
if [ -n "${ARGOCD_APP_SOURCE_PATH:-}" ]; then
    IFS=/
    for part in $ARGOCD_APP_SOURCE_PATH; do
        case $part in '' | .) ;; *) root=$(dirname "$root") ;; esac
    done
    unset IFS
fi

inside_repo() {
    [ -n "${ARGOCD_APP_SOURCE_PATH:-}" ] || return 0
    dir=$1
    [ -d "$dir" ] || dir=$(dirname -- "$1")
    real=$(cd -- "$dir" 2>/dev/null && pwd -P) || fail "$1: no such file or directory"
    case $real/ in "${root%/}"/*) ;; *) fail "$1 is outside the repository" ;; esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set -- render .
i=0
while :; do
    eval "path=\${PARAM_PATHS_$i:-}" # $i is a number: only the variable's name is built
    [ -n "$path" ] || break
    inside_repo "$path"
    set -- "$@" "$path"
    i=$((i + 1))
done
if [ "$i" = 0 ]; then
    for path in ${ARGOCD_ENV_KSERVE_PATHS:-}; do
        inside_repo "$path"
        set -- "$@" "$path"
    done
fi

if [ -n "${ARGOCD_APP_PARAMETERS:-}" ]; then
    # The `config` map, read from the JSON form: PARAM_CONFIG_* names are upper-cased.
    python3 -c '
import json, os, sys
params = json.loads(os.environ["ARGOCD_APP_PARAMETERS"]) or []
config = {}
for param in params:
    if param.get("name") == "config":
        config.update(param.get("map") or {})
json.dump(config, sys.stdout, sort_keys=True)
' >"$tmp/config.json" || fail "ARGOCD_APP_PARAMETERS is not the JSON Argo CD sends"
    [ "$(cat "$tmp/config.json")" = "{}" ] || set -- "$@" --config "$tmp/config.json"
fi
if [ -n "$mode" ]; then
    case $mode in
    Knative | Serverless | Standard | RawDeployment | ModelMesh) ;;
    *) fail "default-deployment-mode must be Knative, Standard or ModelMesh, not \"$mode\"" ;;
    esac
    printf "deploy: '{\"defaultDeploymentMode\": \"%s\"}'\n" "$mode" >"$tmp/mode.yaml"
    set -- "$@" --config "$tmp/mode.yaml"
fi
if [ -n "$overlay" ]; then
    inside_repo "$overlay"
    set -- "$@" --overlay "$overlay"
fi
[ -z "$domain" ] || set -- "$@" --knative-domain "$domain"
case $waves in
true) set -- "$@" --sync-waves ;;
false | '') ;;
*) fail "sync-waves must be true or false, not \"$waves\"" ;;
esac

echo "kserve-gitops plugin: app ${ARGOCD_APP_NAME:-?} at ${ARGOCD_APP_REVISION:-?}:" \
    "kserve-gitops $*" >&2
kserve-gitops "$@"
