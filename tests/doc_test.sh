#!/usr/bin/env bash
# Doc test: runs every ```sh block of one markdown file from the repository root.
#
# Usage: tests/doc_test.sh FILE.md   (from the repository root, after the build)
#
# The convention (README.md, "Commands in the documentation"):
# - every ```sh fenced block is run; ```console blocks (and every other fence)
#   are not;
# - each line is one command, run by bash from the repository root; a line
#   ending in `\` continues on the next; blank lines and `#` comment lines are
#   skipped; a trailing `# comment` is bash's own comment;
# - a command must exit 0, except one written `! COMMAND`, which must fail:
#   exit with a status from 1 to 125 (a crash, a signal or a missing program
#   does not count as the expected failure);
# - each block has DOC_TEST_TIMEOUT seconds (default 20) for all its commands;
# - a command's output is shown only when it fails.
set -uo pipefail

file=${1:?usage: tests/doc_test.sh FILE.md}
limit=${DOC_TEST_TIMEOUT:-20}
[[ -f $file ]] || { echo "doc test: $file: no such file"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Splits the file into one script per ```sh block: block-N.lines holds
# "LINE<TAB>COMMAND" records, a continued command joined into one.
awk -v dir="$tmp" '
  BEGIN { n = 0; inblock = 0; other = 0 }
  /^[ \t]*```/ {
    if (inblock) { if (cmd != "") print start "\t" cmd > out; close(out); inblock = 0; next }
    if (other) { other = 0; next }
    if ($0 ~ /^[ \t]*```sh[ \t]*$/) {
      inblock = 1; n++; out = dir "/block-" n ".lines"; printf "" > out
      print FNR > (dir "/block-" n ".at"); close(dir "/block-" n ".at"); cmd = ""
    } else other = 1
    next
  }
  inblock {
    line = $0
    sub(/^[ \t]+/, "", line)
    if (cmd == "") { if (line == "" || line ~ /^#/) next; start = FNR }
    if (line ~ /\\$/) { sub(/\\$/, "", line); cmd = cmd line " "; next }
    cmd = cmd line
    print start "\t" cmd > out
    cmd = ""
  }
  END { if (inblock) { print "unterminated ```sh block" > "/dev/stderr"; exit 1 } }
' "$file" || exit 1

blocks=0
failed=0
for lines in $(ls "$tmp"/block-*.lines 2>/dev/null | sort -V); do
  blocks=$((blocks + 1))
  at=$(cat "${lines%.lines}.at")
  runner="${lines%.lines}.sh"
  {
    echo 'cd "$1" || exit 1'
    while IFS=$'\t' read -r lineno cmd; do
      expect_fail=0
      if [[ $cmd == '! '* ]]; then expect_fail=1; cmd=${cmd#'! '}; fi
      printf 'echo %q\n' "$file:$lineno: \$ ${cmd}"
      printf 'out=$( {\n%s\n} 2>&1 </dev/null ); rc=$?\n' "$cmd"
      if ((expect_fail)); then
        printf 'if (( rc == 0 || rc > 125 )); then printf "%%s\\n" "$out"; echo "  expected a failure (exit 1-125), got exit $rc"; exit 1; fi\n'
      else
        printf 'if (( rc != 0 )); then printf "%%s\\n" "$out"; echo "  exit $rc"; exit 1; fi\n'
      fi
    done <"$lines"
  } >"$runner"
  echo "== $file:$at: block $blocks"
  timeout "$limit" bash "$runner" "$PWD"
  rc=$?
  if ((rc == 124)); then echo "  FAILED: the block ran over its ${limit} s"; failed=$((failed + 1))
  elif ((rc != 0)); then echo "  FAILED"; failed=$((failed + 1))
  fi
done
echo "doc test: $file: $blocks block(s), $failed failed"
((failed == 0))
