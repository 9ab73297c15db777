# Shared by bench/run.sh and bench/cpu.sh (sourced, from the repository's root).

# The bench module's runtime classpath, from Maven's own resolution (exec-maven-plugin's %classpath works
# offline; maven-dependency-plugin is not in every local repository).
bench_classpath() {
  mvn -o -q -f bench/pom.xml org.codehaus.mojo:exec-maven-plugin:exec -Dexec.executable=echo \
    -Dexec.args="%classpath" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep 'target/classes' | tail -n 1
}

# run_limited SECONDS OUT CMD...: runs CMD with stdin from /dev/null, stdout and stderr to OUT; a watchdog
# kills it by its PID (TERM, then KILL) if it overruns. Prints the wall time in seconds; returns CMD's status
# (124 if it was killed).
run_limited() {
  local limit=$1 out=$2 pid dog t0 t1 rc=0
  shift 2
  t0=$EPOCHREALTIME
  "$@" </dev/null >"$out" 2>&1 &
  pid=$!
  # The watchdog's sleep dies with it (the trap is set before the sleep starts), and neither holds our stdout,
  # so a caller's $(...) does not wait for them.
  ( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep "$limit" & s=$!; wait $s
    kill -TERM "$pid" 2>/dev/null && { echo "run_limited: killed $1 (pid $pid) after ${limit}s" >>"$out"
      sleep 2; kill -KILL "$pid" 2>/dev/null; } ) >/dev/null 2>&1 &
  dog=$!
  wait "$pid" || rc=$?
  t1=$EPOCHREALTIME
  kill "$dog" 2>/dev/null || true
  wait "$dog" 2>/dev/null || true
  grep -q '^run_limited: killed' "$out" && rc=124
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
  return "$rc"
}

# stats FILE: "median min max" of the numbers in FILE, one a line.
stats() {
  sort -g "$1" | awk '{v[NR]=$1} END { if (!NR) { print "- - -"; exit }
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}

# replace_section FILE NAME CONTENT_FILE: puts CONTENT_FILE between <!-- NAME --> and <!-- /NAME --> in FILE,
# replacing what was there, or appends the section; the rest of FILE is kept.
replace_section() {
  local file=$1 name=$2 content=$3 tmp
  tmp=$(mktemp)
  touch "$file"
  if grep -q "^<!-- $name -->\$" "$file"; then
    awk -v s="<!-- $name -->" -v e="<!-- /$name -->" -v c="$content" '
      $0 == s { print; while ((getline l < c) > 0) print l; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$file" >"$tmp"
  else
    { cat "$file"; [ -s "$file" ] && echo; echo "<!-- $name -->"; cat "$content"; echo "<!-- /$name -->"; } >"$tmp"
  fi
  mv "$tmp" "$file"
}
