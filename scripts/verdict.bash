# shellcheck shell=bash disable=SC2034 # the V_* variables are this file's output
# Turn one finished QEMU run into a verdict (docs/HACKING.md, "Runner", the verdict rules).
# Sourced by run_tests.sh, which also sources the arch's run script (for run_exit_ok). Pure bash.
#
# verdict() runs named stages over one log; each stage reads and sets the vs_* variables
# (the supervisor's status, what the guest printed) and the V_* results.

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

# verdict_read_status: parse supervise's last line ("supervise: status exit=N signal=N
# timeout=0|1 stopped=0|SIG out_bytes=N err_bytes=N ms=N") into vs_exit, vs_signal,
# vs_timed_out, vs_stopped, vs_out_bytes, vs_err_bytes; vs_n = the lines before it.
# False when there is none: QEMU never ran under the supervisor.
verdict_read_status() {
	local w v
	local -a words=()
	vs_exit=-1 vs_signal=0 vs_timed_out=0 vs_stopped=0 vs_out_bytes=0 vs_err_bytes=0
	vs_n=${#vs_lines[@]}
	[ "$vs_n" -gt 1 ] && [[ ${vs_lines[vs_n - 1]} == "supervise: status "* ]] || return 1
	vs_n=$((vs_n - 1))
	read -r -a words <<<"${vs_lines[vs_n]#supervise: status }"
	for w in "${words[@]}"; do
		v=${w#*=}
		[[ $v =~ ^-?[0-9]+$ ]] || continue
		case ${w%%=*} in
		exit) vs_exit=$v ;;
		signal) vs_signal=$v ;;
		timeout) vs_timed_out=$v ;;
		stopped) vs_stopped=$v ;;
		out_bytes) vs_out_bytes=$v ;;
		err_bytes) vs_err_bytes=$v ;;
		esac
	done
	return 0
}

# verdict_scan_output: one pass over the output lines. Collects the claims (V_SUBS), the
# SUMMARY numbers (v_*), the EXIT line (vs_have_exit, vs_code), the last SKIP reason, the
# line before EXIT (an abort's message), host/migrate's error, the first other line and
# QEMU's first error line (the first other line that is not a warning).
verdict_scan_output() {
	local i line
	vs_have_exit=0 vs_code=-1 vs_last_skip='' vs_before_exit='' vs_first_err=''
	vs_failed_lines=0 vs_migration_error='' vs_first_any=''
	for ((i = 1; i < vs_n; i++)); do
		line=${vs_lines[i]%$'\r'}
		case $line in
		FAIL:* | XPASS:*)
			V_SUBS+=("$line")
			vs_failed_lines=$((vs_failed_lines + 1))
			;;
		PASS:* | XFAIL:* | KFAIL:*)
			V_SUBS+=("$line")
			;;
		SKIP:*)
			V_SUBS+=("$line")
			vs_last_skip=${line#SKIP: }
			;;
		SUMMARY:*)
			if [[ $line =~ ^SUMMARY:\ ([0-9]+)\ tests,\ ([0-9]+)\ unexpected\ failures,\ ([0-9]+)\ expected\ failures,\ ([0-9]+)\ known\ failures,\ ([0-9]+)\ skipped ]]; then
				v_tests=${BASH_REMATCH[1]} v_fail=${BASH_REMATCH[2]} v_xfail=${BASH_REMATCH[3]}
				v_kfail=${BASH_REMATCH[4]} v_skipped=${BASH_REMATCH[5]}
			fi
			;;
		EXIT:\ STATUS=*)
			if [[ $line =~ ^EXIT:\ STATUS=([0-9]+) ]]; then
				vs_have_exit=1 vs_code=$((10#${BASH_REMATCH[1]}))
			fi
			;;
		MIGRATION-ERROR:*)
			# host/migrate's reason (docs/HACKING.md, "Migration"): the verdict
			[ -n "$vs_migration_error" ] || vs_migration_error=${line#MIGRATION-ERROR: }
			;;
		'' | backtrace:* | INFO:* | 'supervise: '* | 'MIGRATE: '* | 'migrate: '*) ;;
		*)
			[ "$vs_have_exit" = 1 ] || vs_before_exit=$line
			[ -n "$vs_first_any" ] || vs_first_any=$line
			if [ -z "$vs_first_err" ] && [[ $line != *warning:* ]]; then
				vs_first_err=$line
			fi
			;;
		esac
	done
	[ -n "$vs_first_err" ] || vs_first_err=$vs_first_any
}

# verdict_ended_early: true (V_* set) when the run ended before the guest had its say:
# stopped by the runner, timed out, or failed in host/migrate.
verdict_ended_early() {
	if [ "$vs_stopped" != 0 ]; then
		V_REASON="interrupted"
	elif [ "$vs_timed_out" = 1 ]; then
		V_REASON="timeout after $1 s"
	elif [ -n "$vs_migration_error" ]; then
		V_REASON="migration: $vs_migration_error"
	else
		return 1
	fi
	return 0
}

# verdict_no_exit_line: classify a run without an EXIT line. QEMU that refused to start
# (stderr only) is a SKIP with its first error line: the host cannot run the test.
verdict_no_exit_line() {
	if [ "$vs_out_bytes" = 0 ] && [ "$vs_err_bytes" != 0 ] && [ "$vs_exit" != 0 ] &&
		[ -n "$vs_first_err" ]; then
		V_RESULT=SKIP V_REASON=$vs_first_err
	elif [ "$vs_signal" != 0 ]; then
		V_REASON="QEMU killed by signal $vs_signal, no EXIT line"
	elif [ "$vs_out_bytes" = 0 ]; then
		V_REASON="no output, QEMU exit status $vs_exit"
	elif [ "$vs_exit" = 0 ]; then
		V_REASON="no EXIT line: guest reset or powered off early"
	else
		V_REASON="no EXIT line: guest crashed? QEMU exit status $vs_exit"
	fi
}

# verdict_exit_disputed: true (V_REASON set) when QEMU's end contradicts the EXIT line,
# or an exit status of 0 follows failed claims.
verdict_exit_disputed() {
	local n
	if [ "$vs_signal" != 0 ]; then
		V_REASON="QEMU killed by signal $vs_signal after EXIT: STATUS=$vs_code"
	elif ! run_exit_ok "$vs_exit" "$vs_code"; then
		V_REASON="EXIT: STATUS=$vs_code but QEMU exit status $vs_exit"
	elif [ "$vs_code" = 0 ] && { [ "$vs_failed_lines" -gt 0 ] || [ "$v_fail" -gt 0 ]; }; then
		# main returned 0 after failed claims (not report_summary()'s value)
		n=$((vs_failed_lines > v_fail ? vs_failed_lines : v_fail))
		V_REASON="EXIT: STATUS=0, but $n claims failed"
	else
		return 1
	fi
	return 0
}

# verdict_from_exit_code: the guest's own verdict, its reason composed from SUMMARY.
verdict_from_exit_code() {
	case $vs_code in
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
		elif [ -n "$vs_last_skip" ]; then
			V_REASON=$vs_last_skip
		else
			V_REASON="nothing tested"
		fi
		;;
	3) V_REASON="aborted${vs_before_exit:+: }$vs_before_exit" ;;
	*) V_REASON="guest exit status $vs_code" ;;
	esac
}

# verdict LOGFILE TIMEOUT
# LOGFILE: line 1 the QEMU command line, then everything QEMU wrote (stdout and stderr),
# then supervise's "supervise: status ..." line. Sets:
#   V_RESULT  PASS, FAIL or SKIP
#   V_REASON  the text for the parentheses (at most 160 characters)
#   V_CMD     the command line
#   V_SUBS    the guest's PASS:/FAIL:/SKIP:/XFAIL:/XPASS:/KFAIL: lines
verdict() {
	local log=$1 timeout=$2
	local -a vs_lines=()
	v_tests=-1 v_fail=0 v_xfail=0 v_kfail=0 v_skipped=0
	V_RESULT=FAIL V_REASON='' V_CMD='' V_SUBS=()

	[ ! -f "$log" ] || mapfile -t vs_lines <"$log"
	V_CMD=${vs_lines[0]:-}
	if ! verdict_read_status; then
		# something failed before QEMU ran (its message is in the log)
		verdict_scan_output
		V_REASON=${vs_first_any:-QEMU did not run}
	else
		verdict_scan_output
		if verdict_ended_early "$timeout"; then
			:
		elif [ "$vs_have_exit" = 0 ]; then
			verdict_no_exit_line
		elif ! verdict_exit_disputed; then
			verdict_from_exit_code
		fi
	fi
	[ ${#V_REASON} -le 160 ] || V_REASON="${V_REASON:0:157}..."
	return 0
}
