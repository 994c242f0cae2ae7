#!/usr/bin/env bash
# Check the known-deviations table (docs/known-deviations.md) against the tree:
#   - every deviation id the tree names is a row of the table: "ID: ..." strings in guest
#     and host code (report_kfail's why), "known: ID" and "known deviation ID", and the
#     reason of every cfg skip_on_kvm, which must start with "ID:";
#   - every report_kfail() whose why is a string literal, or a macro defined in the same
#     file, starts with "ID: ", and no guest string has the id-less form "tcg: ...";
#   - every row is named somewhere outside docs/.
# Prints one line per problem (FILE:LINE: message), then SUMMARY: N passed, N failed, 0 skipped
# (one check per row and per use). Run from anywhere; exit status 1 when something failed.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
table=docs/known-deviations.md
id_re='(tcg|kvm|qemu)(-[a-z0-9]+)+'
passed=0 failed=0

problem() {
	echo "$1"
	failed=$((failed + 1))
}

declare -A row_line=() used=()
while IFS=: read -r n line; do
	[[ $line =~ ^\|\ \`($id_re)\`\ \| ]] || continue
	row_line[${BASH_REMATCH[1]}]=$n
done < <(grep -n '^| `' "$table")
if [ ${#row_line[@]} -eq 0 ]; then
	echo "$table: no deviation rows found"
	echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

# Files that may name a deviation: guest and host code, cfg files, run scripts.
mapfile -t code < <(git ls-files -- '*.c' '*.h' '*.S' 'scripts/*' '*/run' | grep -v -e '^docs/' -e '^scripts/check-deviations.sh$' || true)
mapfile -t csrc < <(printf '%s\n' "${code[@]}" | grep -E '\.[ch]$' || true)
mapfile -t cfgs < <(git ls-files -- '*/unittests.cfg')

# use FILE:LINE ID: the tree names ID there.
use() {
	if [ -n "${row_line[$2]:-}" ]; then
		used[$2]=1
		passed=$((passed + 1))
	else
		problem "$1: deviation id '$2' is not a row of $table"
	fi
}

# "ID: ..." strings, "known: ID", "known deviation ID" (comments and SKIP reasons).
while IFS= read -r hit; do
	[[ ${hit#*:*:} =~ ($id_re) ]] && use "$(cut -d: -f1,2 <<<"$hit")" "${BASH_REMATCH[1]}"
done < <(grep -noE "\"$id_re: |known: $id_re|known deviation $id_re" "${code[@]}" /dev/null || true)

# Guest strings that look like an accelerator's deviation but name no id ("tcg: ...").
while IFS= read -r hit; do
	problem "${hit%%:\"*}: a known-deviation string without an id (want \"ID: ...\", ID from $table)"
done < <(grep -noE '"(tcg|kvm|kvm_[a-z]+|qemu): ' "${csrc[@]}" /dev/null || true)

# skip_on_kvm = MODULE[,MODULE] ID: reason
while IFS=: read -r file n line; do
	reason=${line#*=} reason=${reason#"${reason%%[![:space:]]*}"} reason=${reason#*[[:space:]]}
	reason=${reason#"${reason%%[![:space:]]*}"}
	if [[ $reason =~ ^($id_re): ]]; then
		use "$file:$n" "${BASH_REMATCH[1]}"
	else
		problem "$file:$n: skip_on_kvm reason does not start with a deviation id (want MODULE ID: reason)"
	fi
done < <(grep -nH '^[[:space:]]*skip_on_kvm[[:space:]]*=' "${cfgs[@]}" /dev/null || true)

# report_kfail(known, why, ...): a literal or same-file macro why starts with "ID: ".
mapfile -t kfail_files < <(grep -l 'report_kfail' "${code[@]}" /dev/null || true)
while IFS=$'\t' read -r file n why; do
	if [[ $why =~ ^[A-Z_][A-Z0-9_]*$ ]]; then
		# the macro's text, continuation lines joined
		why=$(sed -n -E "/^#define $why\b/{:a;/\\\\$/{N;s/\\\\\n[[:space:]]*//;ba};s/^#define ${why}[[:space:]]+//p;q}" "$file")
	fi
	case $why in
	\"*)
		if [[ $why =~ ^\"($id_re):\  ]]; then
			passed=$((passed + 1))
		else
			problem "$file:$n: report_kfail's why does not start with a deviation id: $why"
		fi
		;;
	esac
done < <(perl -0777 -ne '
	while (/report_kfail\s*\(\s*((?:[^,()]|\([^()]*\))*),\s*("(?:[^"\\]|\\.)*"|\w+)/g) {
		my ($pre, $why) = ($`, $2);
		my $line = ($pre =~ tr/\n//) + 1;
		print "$ARGV\t$line\t$why\n";
	}' "${kfail_files[@]}" </dev/null)

for id in "${!row_line[@]}"; do
	if [ -n "${used[$id]:-}" ]; then
		passed=$((passed + 1))
	else
		problem "$table:${row_line[$id]}: deviation '$id' is named nowhere in code, cfg or scripts"
	fi
done

echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
