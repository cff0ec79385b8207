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
#   allow-empty (true|false)  PARAM_ALLOW_EMPTY              ARGOCD_ENV_KSERVE_ALLOW_EMPTY
#   allowed-namespaces        PARAM_ALLOWED_NAMESPACES       ARGOCD_ENV_KSERVE_ALLOWED_NAMESPACES
#   allow-cluster-scoped      PARAM_ALLOW_CLUSTER_SCOPED     ARGOCD_ENV_KSERVE_ALLOW_CLUSTER_SCOPED
#   paths (array)             PARAM_PATHS_0, PARAM_PATHS_1…  ARGOCD_ENV_KSERVE_PATHS (space-separated)
#   config (map)              ARGOCD_APP_PARAMETERS (JSON: map keys keep their spelling)
# Objects without a namespace get the Application's destination namespace: kserve-gitops reads
# ARGOCD_APP_NAMESPACE itself.
#
# Parameters are user input (Argo CD: "sanitize/escape user input"): every option value is
# passed as --option=VALUE, every path must exist inside the repository and comes after `--`,
# so no parameter can become an option.
set -eu

fail() {
    echo "kserve-gitops plugin: $*" >&2
    exit 2
}

flag() { # NAME VALUE: true or false
    case $2 in
    true) echo true ;;
    false | '') echo false ;;
    *) fail "$1 must be true or false, not \"$2\"" ;;
    esac
}

overlay=${PARAM_OVERLAY:-${ARGOCD_ENV_KSERVE_OVERLAY:-}}
mode=${PARAM_DEFAULT_DEPLOYMENT_MODE:-${ARGOCD_ENV_KSERVE_DEFAULT_DEPLOYMENT_MODE:-}}
domain=${PARAM_KNATIVE_DOMAIN:-${ARGOCD_ENV_KSERVE_KNATIVE_DOMAIN:-}}
waves=$(flag sync-waves "${PARAM_SYNC_WAVES:-${ARGOCD_ENV_KSERVE_SYNC_WAVES:-false}}")
allow_empty=$(flag allow-empty "${PARAM_ALLOW_EMPTY:-${ARGOCD_ENV_KSERVE_ALLOW_EMPTY:-false}}")
allowed=${PARAM_ALLOWED_NAMESPACES:-${ARGOCD_ENV_KSERVE_ALLOWED_NAMESPACES:-}}
cluster=$(flag allow-cluster-scoped \
    "${PARAM_ALLOW_CLUSTER_SCOPED:-${ARGOCD_ENV_KSERVE_ALLOW_CLUSTER_SCOPED:-false}}")

# The repository root is the source folder minus ARGOCD_APP_SOURCE_PATH ("." or empty: the
# source folder itself); input paths and the overlay may not leave it.
root=$(pwd -P)
set -f
IFS=/
for part in ${ARGOCD_APP_SOURCE_PATH:-}; do
    case $part in
    '' | .) ;;
    ..) fail "ARGOCD_APP_SOURCE_PATH \"$ARGOCD_APP_SOURCE_PATH\" leaves the repository" ;;
    *) root=$(dirname -- "$root") ;;
    esac
done
unset IFS

inside_repo() { # WHAT PATH: PATH exists and resolves (symlinks too) to a place in the repository
    [ -e "$2" ] || fail "$1 \"$2\": no such file or directory"
    real=$(realpath -e -- "$2") || fail "$1 \"$2\": cannot be resolved"
    case $real in
    "${root%/}" | "${root%/}"/*) ;;
    *) fail "$1 \"$2\" is outside the repository" ;;
    esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Paths first, checked, kept in $tmp/paths one per line (the options come before them).
: >"$tmp/paths"
i=0
while :; do
    eval "path=\${PARAM_PATHS_$i:-}" # $i is a number: only the variable's name is built
    [ -n "$path" ] || break
    inside_repo "paths[$i]" "$path"
    case $path in *'
'*) fail "paths[$i] holds a line break" ;; esac
    printf '%s\n' "$path" >>"$tmp/paths"
    i=$((i + 1))
done
if [ "$i" = 0 ]; then
    for path in ${ARGOCD_ENV_KSERVE_PATHS:-}; do
        inside_repo "KSERVE_PATHS entry" "$path"
        printf '%s\n' "$path" >>"$tmp/paths"
    done
fi

set -- render
if [ -n "${ARGOCD_APP_PARAMETERS:-}" ]; then
    # The `config` map, read from the JSON form: PARAM_CONFIG_* names are upper-cased. Any
    # other shape than Argo CD's is one line on stderr, never a traceback.
    python3 -c '
import json, os, sys

def refuse(why):
    print("kserve-gitops plugin: ARGOCD_APP_PARAMETERS " + why, file=sys.stderr)
    sys.exit(2)

try:
    params = json.loads(os.environ["ARGOCD_APP_PARAMETERS"])
except ValueError as err:
    refuse(f"is not JSON ({err})")
if params is None:
    params = []
if not isinstance(params, list):
    refuse("is not a JSON list of parameters")
config = {}
for i, param in enumerate(params):
    if not isinstance(param, dict):
        refuse(f"item {i} is not an object")
    if param.get("name") != "config":
        continue
    values = param.get("map") or {}
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        refuse("config: map must map inferenceservice-config keys to JSON text")
    config.update(values)
json.dump(config, sys.stdout, sort_keys=True)
' >"$tmp/config.json" || exit 2
    [ "$(cat "$tmp/config.json")" = "{}" ] || set -- "$@" --config="$tmp/config.json"
fi
[ -z "$mode" ] || set -- "$@" --default-deployment-mode="$mode"
if [ -n "$overlay" ]; then
    # A path, or a NAME for overlays/NAME/overlay.yaml; either must stay in the repository.
    if [ -e "$overlay" ]; then
        inside_repo overlay "$overlay"
    else
        case $overlay in
        */*) inside_repo overlay "$overlay" ;;
        *) [ ! -e "overlays/$overlay" ] || inside_repo overlay "overlays/$overlay" ;;
        esac
    fi
    set -- "$@" --overlay="$overlay"
fi
[ -z "$domain" ] || set -- "$@" --knative-domain="$domain"
[ "$waves" = false ] || set -- "$@" --sync-waves
[ -z "$allowed" ] || set -- "$@" --allowed-namespaces="$allowed"
[ "$cluster" = false ] || set -- "$@" --allow-cluster-scoped
set -- "$@" -- .
while IFS= read -r path; do set -- "$@" "$path"; done <"$tmp/paths"

echo "kserve-gitops plugin: app ${ARGOCD_APP_NAME:-?} at ${ARGOCD_APP_REVISION:-?}:" \
    "kserve-gitops $*" >&2
kserve-gitops "$@" >"$tmp/manifests.yaml"
# No object at all would make Argo CD prune everything the Application has: refuse that unless
# the Application says it means it.
if ! grep -q '[^[:space:]-]' "$tmp/manifests.yaml" && [ "$allow_empty" = false ]; then
    fail "nothing to render in ${ARGOCD_APP_SOURCE_PATH:-.}: Argo CD would delete every" \
        "object of the Application; set the allow-empty parameter to \"true\" if that is meant"
fi
cat "$tmp/manifests.yaml"
