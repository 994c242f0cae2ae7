#!/usr/bin/env bash
# Check that no doc names a file that does not exist: every path README.md and docs/*.md
# name, and every path named in a comment of the code, build files and scripts.
#   scripts/check-docs.sh [-v]
# Output: "FILE:LINE: names PATH, which does not exist" for each dangling reference (-v
# also lists the references found), then "SUMMARY: N passed, N failed, 0 skipped", one
# check per file read. Exit status 1 when a reference dangles.
#
# A path is a word that starts with a top-level directory of the tree (docs/HACKING.md,
# scripts/host/, ./scripts/quickstart.sh) or a bare <name>.md; it must exist from the top
# of the tree, or from lib/ (a header as #include names it: x86/apic.h). Not paths: absolute
# ones and URLs, <include> names, words with placeholders or globs (lib/<arch>/, x86/*.c,
# $(SRCDIR)/..., scripts/host/NAME.c: an all-capitals name other than a .md), build
# products (.o .a .d .flat .elf .img .log, host/, logs/, build/), and another project's
# files, written "QEMU PATH", "QEMU's PATH" or "PATH in QEMU" (also Linux, KVM, libfdt).
set -euo pipefail

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	list_files() { git ls-files --cached --others --exclude-standard; }
else
	list_files() { find . -path ./build -prune -o -type f -print | sed 's|^\./||'; }
fi
known=$(mktemp)
trap 'rm -f "$known"' EXIT
# bash skips the EXIT trap when a signal ends it: turn signals into an exit
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
list_files | sort -u >"$known"

# What is read, and which part of it: the whole text of the docs, the comments elsewhere.
docs=(README.md docs/*.md)
code=()
while IFS= read -r f; do
	case $f in
	*.md | .gitignore | */.gitignore) ;;
	*.c | *.h | *.S | *.lds | *.sh | *.bash | *.py | *.cfg | Makefile | */Makefile.inc | configure | \
		*/run | tests/fake-qemu | .editorconfig) code+=("$f") ;;
	esac
done <"$known"

# One awk pass over every file: prints "FILE:LINE:PATH" for each path it finds, and
# "FILE::" once per file (the per-file count).
find_refs() {
	awk -v known="$known" '
	BEGIN {
		while ((getline f <known) > 0) {
			have[f] = 1
			root = f; sub(/\/.*/, "", root)
			if (root != f) roots[root] = 1
			while (sub(/\/[^\/]*$/, "", f)) have[f] = 1
		}
	}
	FNR == 1 {
		print FILENAME "::"
		in_c = 0
		kind = FILENAME ~ /\.md$/ ? "doc" : FILENAME ~ /\.(c|h|S|lds)$/ ? "c" : "hash"
	}
	function comments_c(s,    out, i, j) {
		out = ""
		while (s != "") {
			if (in_c) {
				j = index(s, "*/")
				if (!j) { out = out " " s; return out }
				out = out " " substr(s, 1, j - 1); s = substr(s, j + 2); in_c = 0
			} else {
				i = index(s, "/*"); j = index(s, "//")
				if (j && (!i || j < i)) return out " " substr(s, j + 2)
				if (!i) return out
				s = substr(s, i + 2); in_c = 1
			}
		}
		return out
	}
	function comments_hash(s) {
		if (s ~ /^#!/) return ""
		if (match(s, /(^|[ \t])#/)) return substr(s, RSTART + RLENGTH)
		return ""
	}
	function check(tok, before, after,    root, p, seg, n, k) {
		if (before ~ /<$/ || after ~ /^[<*$%{[?]/) return        # include name, placeholder
		if (before ~ /(QEMU|Linux|KVM|libfdt)(\047s)? $/) return    # a file of another project
		if (after ~ /^ in (QEMU|Linux|KVM|libfdt)([^A-Za-z]|$)/) return
		sub(/^\.\//, "", tok)
		sub(/[.,:;-]+$/, "", tok)
		if (tok ~ /^(\/|\.\.)/) return                           # absolute, URL, ../
		if (tok ~ /\.(o|a|d|flat|elf|img|bin|log|tmp|pid|ready)$/) return  # build products
		n = split(tok, seg, "/")
		for (k = 1; k <= n; k++)                                 # placeholder: host/NAME.c
			if (seg[k] ~ /^[A-Z][A-Z0-9_]*(\.[a-z]+)?$/ && seg[k] !~ /\.md$/) return
		root = tok; sub(/\/.*/, "", root)
		if (root == tok) {
			if (tok !~ /^[A-Za-z0-9_-]+\.md$/) return
			p = (tok in have) ? tok : "docs/" tok
		} else {
			if (!(root in roots)) return
			p = tok; sub(/\/$/, "", p)
			if (!(p in have) && ("lib/" p) in have) p = "lib/" p
		}
		sub(/\/$/, "", p)
		printf "%s:%d:%s:%s\n", FILENAME, FNR, tok, (p in have) ? "ok" : "missing"
	}
	{
		text = kind == "doc" ? $0 : kind == "c" ? comments_c($0) : comments_hash($0)
		before = ""
		while (match(text, /[A-Za-z0-9_.+\/-]+/)) {
			before = before substr(text, 1, RSTART - 1)
			check(substr(text, RSTART, RLENGTH), before, substr(text, RSTART + RLENGTH))
			before = before substr(text, RSTART, RLENGTH)
			text = substr(text, RSTART + RLENGTH)
		}
	}' "$@"
}

files=0 bad_files=0 dangling=0 file='' file_bad=0
while IFS= read -r line; do
	case $line in
	*::)
		[ -z "$file" ] || [ "$file_bad" = 0 ] || bad_files=$((bad_files + 1))
		file=${line%::} file_bad=0 files=$((files + 1))
		;;
	*:missing)
		line=${line%:missing}
		echo "${line%:*}: names ${line##*:}, which does not exist"
		file_bad=1 dangling=$((dangling + 1))
		;;
	*) [ "$verbose" = 0 ] || echo "ok: ${line%:ok}" ;;
	esac
done < <(find_refs "${docs[@]}" "${code[@]}")
[ "$file_bad" = 0 ] || bad_files=$((bad_files + 1))

[ "$dangling" = 0 ] || echo "check-docs: $dangling dangling references in $bad_files files"
echo "SUMMARY: $((files - bad_files)) passed, $bad_files failed, 0 skipped"
[ "$dangling" -eq 0 ]
