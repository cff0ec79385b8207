#!/bin/sh
# Render every environment into rendered/<env>/, the folders Argo CD and Flux sync.
#   ./render.sh          write them (idempotent: unchanged objects are not rewritten)
#   ./render.sh check    exit 1 and list the stale files instead (what CI runs)
#   ./render.sh diff     show what a render would change
# Runs from this folder whatever the caller's directory; KSERVE_GITOPS picks the executable.
set -eu
cd "$(dirname "$0")"
command=${1:-render}
case $command in
render | check | diff) ;;
*)
    echo "usage: $0 [render|check|diff]" >&2
    exit 2
    ;;
esac
kserve_gitops=${KSERVE_GITOPS:-kserve-gitops}

# --flux-path writes one Flux Kustomization per shard into rendered/<env>/_flux (flux/<env>.yaml
# applies them); production also gets Argo CD sync waves for argocd/production.yaml.
# --allow-cluster-scoped: the teams' Namespace objects (apps/*/namespace.yaml) are applied too;
# each team's .kserve-gitops.yaml keeps its objects in its own namespace.
"$kserve_gitops" "$command" apps config --overlay staging -o rendered/staging \
    --flux-path ./rendered/staging --flux-source flux-system/models --allow-cluster-scoped
"$kserve_gitops" "$command" apps config --overlay production -o rendered/production \
    --flux-path ./rendered/production --flux-source flux-system/models --sync-waves \
    --allow-cluster-scoped
