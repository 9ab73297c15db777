#!/usr/bin/env bash
# Makes sure the last release, the baseline bnd checks every bundle against (the `baseline` profile in pom.xml),
# is in the local Maven repository: if it is missing, builds it from its release tag (git archive of vX.Y.Z into a
# temporary directory, `mvn install -DskipTests` of the bundles; ~2-3 min on 2 cores, once per machine).
# Without git history or a release tag, says so: bnd then has nothing to compare with and the build goes on.
# Usage: scripts/baseline.sh [MAVEN ARGS...]   (the same arguments as the build, e.g. -o or -Dmaven.repo.local=...)
set -euo pipefail
cd "$(dirname "$0")/.."

tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' HEAD 2>/dev/null) || {
  echo "baseline: no release tag reachable from HEAD (shallow clone or no git): bundles are not baselined"
  exit 0
}
version=${tag#v}
current=$(sed -n 's#^  <version>\(.*\)</version>#\1#p' pom.xml | head -n 1)
if [ "$version" = "$current" ]; then
  echo "baseline: HEAD is release $version itself: nothing earlier to compare with"
  exit 0
fi

repo="$HOME/.m2/repository"
for arg in "$@"; do
  case "$arg" in -Dmaven.repo.local=*) repo=${arg#-Dmaven.repo.local=} ;; esac
done
marker="$repo/dev/celadon/dev.celadon.hypervisor.api/$version/dev.celadon.hypervisor.api-$version.jar"
if [ -f "$marker" ]; then
  echo "baseline: release $version ($tag) is in $repo"
  exit 0
fi

echo "baseline: building release $version from $tag into $repo (bundles only, no tests)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$tag" | tar -x -C "$work"
log="$work/baseline-build.log"
if ! (cd "$work" && mvn -B -q install -DskipTests -pl '!karaf-assembly,!itests,!bench' "$@" >"$log" 2>&1); then
  tail -n 40 "$log"
  echo "baseline: building $tag failed (log above)"
  exit 1
fi
echo "baseline: release $version installed"
