# shellcheck shell=bash disable=SC2034 # the V_* variables are this file's output
# Turn one finished QEMU run into a verdict (docs/HACKING.md, "Guest -> host protocol").
# Sourced by run_tests.sh, which also sources the arch's run script (for run_exit_ok). Pure bash.

# plural N WORD: REPLY="N WORD" or "N WORDs"
plural() {
	if [ "$1" = 1 ]; then REPLY="$1 $2"; else REPLY="$1 ${2}s"; fi
}

# verdict_counts: REPLY = "(14 tests, 1 skipped)"-style details from the SUMMARY numbers.
verdict_counts() {
	local d
	plural "$v_tests" test
	d=$REPLY
	if [ "$v_xfail" != 0 ]; then plural "$v_xfail" "expected failure"; d+=", $REPLY"; fi
	if [ "$v_kfail" != 0 ]; then plural "$v_kfail" "known failure"; d+=", $REPLY"; fi
	if [ "$v_skipped" != 0 ]; then d+=", $v_skipped skipped"; fi
	REPLY=$d
}

# verdict LOGFILE TIMEOUT
# LOGFILE: line 1 the QEMU command line, then everything QEMU wrote (stdout and stderr),
# then supervise's "supervise: status exit=N signal=N timeout=0|1 ..." line. Sets:
#   V_RESULT  PASS, FAIL or SKIP
#   V_REASON  the text for the parentheses
#   V_CMD     the command line
#   V_SUBS    the guest's PASS:/FAIL:/SKIP:/XFAIL:/XPASS:/KFAIL: lines
verdict() {
	local log=$1 timeout=$2 line i w n
	local exit=-1 signal=0 timed_out=0 stopped=0 out_bytes=0 err_bytes=0
	local have_exit=0 code=-1 last_skip='' before_exit='' first_err='' first_any='' failed_lines=0
	local migration_error=''
	local -a lines=() words=()
	v_tests=-1 v_fail=0 v_xfail=0 v_kfail=0 v_skipped=0
	V_RESULT=FAIL V_REASON='' V_CMD='' V_SUBS=()

	[ ! -f "$log" ] || mapfile -t lines <"$log"
	V_CMD=${lines[0]:-}
	n=${#lines[@]}
	if [ "$n" -gt 1 ] && [[ ${lines[n - 1]} == "supervise: status "* ]]; then
		n=$((n - 1))
		read -r -a words <<<"${lines[n]#supervise: status }"
		for w in "${words[@]}"; do
			case $w in
			exit=* | signal=* | timeout=* | stopped=* | out_bytes=* | err_bytes=*)
				if [[ ${w#*=} =~ ^-?[0-9]+$ ]]; then
					case ${w%%=*} in
					exit) exit=${w#*=} ;;
					signal) signal=${w#*=} ;;
					timeout) timed_out=${w#*=} ;;
					stopped) stopped=${w#*=} ;;
					out_bytes) out_bytes=${w#*=} ;;
					err_bytes) err_bytes=${w#*=} ;;
					esac
				fi
				;;
			esac
		done
	else
		V_REASON="QEMU did not run"
	fi

	for ((i = 1; i < n; i++)); do
		line=${lines[i]%$'\r'}
		case $line in
		FAIL:* | XPASS:*)
			V_SUBS+=("$line")
			failed_lines=$((failed_lines + 1))
			;;
		PASS:* | XFAIL:* | KFAIL:*)
			V_SUBS+=("$line")
			;;
		SKIP:*)
			V_SUBS+=("$line")
			last_skip=${line#SKIP: }
			;;
		SUMMARY:*)
			if [[ $line =~ ^SUMMARY:\ ([0-9]+)\ tests,\ ([0-9]+)\ unexpected\ failures,\ ([0-9]+)\ expected\ failures,\ ([0-9]+)\ known\ failures,\ ([0-9]+)\ skipped ]]; then
				v_tests=${BASH_REMATCH[1]} v_fail=${BASH_REMATCH[2]} v_xfail=${BASH_REMATCH[3]}
				v_kfail=${BASH_REMATCH[4]} v_skipped=${BASH_REMATCH[5]}
			fi
			;;
		EXIT:\ STATUS=*)
			if [[ $line =~ ^EXIT:\ STATUS=([0-9]+) ]]; then
				have_exit=1 code=$((10#${BASH_REMATCH[1]}))
			fi
			;;
		MIGRATION-ERROR:*)
			# host/migrate's reason (docs/HACKING.md, "Migration"): the verdict
			[ -n "$migration_error" ] || migration_error=${line#MIGRATION-ERROR: }
			;;
		'' | backtrace:* | INFO:* | 'supervise: '* | 'MIGRATE: '* | 'migrate: '*) ;;
		*)
			[ "$have_exit" = 1 ] || before_exit=$line
			[ -n "$first_any" ] || first_any=$line
			if [ -z "$first_err" ] && [[ $line != *warning:* ]]; then
				first_err=$line
			fi
			;;
		esac
	done
	[ -n "$first_err" ] || first_err=$first_any

	if [ -n "$V_REASON" ]; then
		# no status line: something failed before QEMU ran (its message is in the log)
		[ -z "$first_any" ] || V_REASON=$first_any
		return 0
	fi
	if [ "$stopped" != 0 ]; then
		V_REASON="interrupted"
		return 0
	fi
	if [ "$timed_out" = 1 ]; then
		V_REASON="timeout after $timeout s"
		return 0
	fi
	if [ -n "$migration_error" ]; then
		V_REASON="migration: $migration_error"
		[ ${#V_REASON} -le 160 ] || V_REASON="${V_REASON:0:157}..."
		return 0
	fi
	if [ "$have_exit" = 0 ]; then
		if [ "$out_bytes" = 0 ] && [ "$err_bytes" != 0 ] && [ "$exit" != 0 ] && [ -n "$first_err" ]; then
			# QEMU refused to start (or died before the guest said a word): not a verdict
			# on the hypervisor, the host cannot run this test.
			V_RESULT=SKIP V_REASON=$first_err
		elif [ "$signal" != 0 ]; then
			V_REASON="QEMU killed by signal $signal, no EXIT line"
		elif [ "$out_bytes" = 0 ]; then
			V_REASON="no output, QEMU exit status $exit"
		elif [ "$exit" = 0 ]; then
			V_REASON="no EXIT line: guest reset or powered off early"
		else
			V_REASON="no EXIT line: guest crashed? QEMU exit status $exit"
		fi
		return 0
	fi
	if [ "$signal" != 0 ]; then
		V_REASON="QEMU killed by signal $signal after EXIT: STATUS=$code"
		return 0
	fi
	if ! run_exit_ok "$exit" "$code"; then
		V_REASON="EXIT: STATUS=$code but QEMU exit status $exit"
		return 0
	fi
	# A guest that exits 0 after failed claims (main returned 0, not report_summary()).
	if [ "$code" = 0 ] && { [ "$failed_lines" -gt 0 ] || [ "$v_fail" -gt 0 ]; }; then
		V_REASON="EXIT: STATUS=0, but $((failed_lines > v_fail ? failed_lines : v_fail)) claims failed"
		return 0
	fi
	case $code in
	0)
		V_RESULT=PASS
		if [ "$v_tests" -ge 0 ]; then verdict_counts; V_REASON=$REPLY; fi
		;;
	1)
		if [ "$v_tests" -ge 0 ] && [ "$((v_fail))" -gt 0 ]; then
			V_REASON="$v_fail of $v_tests tests failed"
		else
			V_REASON="guest exit status 1"
		fi
		;;
	2)
		V_RESULT=SKIP
		if [ "$v_tests" -gt 0 ] && [ "$v_tests" != "$v_skipped" ]; then
			verdict_counts
			V_REASON=$REPLY
		elif [ -n "$last_skip" ]; then
			V_REASON=$last_skip
		else
			V_REASON="nothing tested"
		fi
		;;
	3)
		V_REASON="aborted${before_exit:+: }$before_exit"
		;;
	*)
		V_REASON="guest exit status $code"
		;;
	esac
	if [ ${#V_REASON} -gt 160 ]; then
		V_REASON="${V_REASON:0:157}..."
	fi
	return 0
}
