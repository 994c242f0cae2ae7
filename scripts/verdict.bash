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
# timeout=0|1 silent=0|1 stopped=0|SIG out_bytes=N err_bytes=N ms=N") into vs_exit, vs_signal,
# vs_timed_out, vs_silent, vs_stopped, vs_out_bytes, vs_err_bytes; vs_n = the lines before it.
# False when there is none: QEMU never ran under the supervisor.
verdict_read_status() {
	local w v
	local -a words=()
	vs_exit=-1 vs_signal=0 vs_timed_out=0 vs_silent=0 vs_stopped=0 vs_out_bytes=0 vs_err_bytes=0
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
		silent) vs_silent=$v ;;
		stopped) vs_stopped=$v ;;
		out_bytes) vs_out_bytes=$v ;;
		err_bytes) vs_err_bytes=$v ;;
		esac
	done
	return 0
}

# verdict_exit_line LINE: true when LINE is an exit of this run's guest (vs_code = its
# status). With a token on the command line (EXIT_TOKEN=, docs/HACKING.md), only an EXIT line
# with that token counts; one without a token only for a failing status (1, 3 and up: an
# exit path that runs before the environment is read), never for 0 (PASS) or 2 (SKIP).
verdict_exit_line() {
	[[ $1 =~ ^EXIT:\ STATUS=([0-9]+)(\ TOKEN=([0-9a-f]+))?$ ]] || return 1
	local code=$((10#${BASH_REMATCH[1]})) token=${BASH_REMATCH[3]}
	if [ -n "$vs_token" ] && [ "$token" != "$vs_token" ]; then
		[ -z "$token" ] && [ "$code" != 0 ] && [ "$code" != 2 ] || return 1
	fi
	vs_code=$code
	return 0
}

# verdict_scan_output: one pass over the output lines. Collects the claims (V_SUBS), the
# SUMMARY numbers (v_*), the guest's exit (vs_have_exit, vs_code), the last SKIP reason, the
# line before EXIT (an abort's message), guest output after the exit (vs_after_exit), an
# EXIT-looking line that is not the exit (vs_false_exit), host/migrate's error, the
# supervisor's findings, QEMU's own lines (vs_qemu_signal: ended by a signal; vs_load_error:
# cannot load the image), the first other line and QEMU's first error line.
verdict_scan_output() {
	local i line qemu_name=${V_CMD%% *}
	qemu_name=${qemu_name##*/}
	vs_token=''
	[[ $V_CMD =~ EXIT_TOKEN=([0-9a-f]+) ]] && vs_token=${BASH_REMATCH[1]}
	vs_have_exit=0 vs_code=-1 vs_last_skip='' vs_before_exit='' vs_first_err=''
	vs_failed_lines=0 vs_migration_error='' vs_first_any='' vs_after_exit='' vs_false_exit=''
	vs_qemu_signal='' vs_load_error='' vs_bad_image='' vs_silence=''
	for ((i = 1; i < vs_n; i++)); do
		line=${vs_lines[i]%$'\r'}
		# guest output after the exit: the exit was not the guest's last word
		if [ "$vs_have_exit" = 1 ] && [ -z "$vs_after_exit" ] && [ -n "$line" ] &&
			[[ $line != "$qemu_name:"* && $line != qemu-system-*:* && $line != 'supervise: '* &&
				$line != 'migrate: '* && $line != MIGRATION-ERROR:* ]]; then
			vs_after_exit=$line
		fi
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
			if verdict_exit_line "$line"; then
				vs_have_exit=1 vs_after_exit=''
			elif [ -z "$vs_false_exit" ]; then
				vs_false_exit=$line
			fi
			;;
		MIGRATION-ERROR:*)
			# host/migrate's reason (docs/HACKING.md, "Migration"): the verdict
			[ -n "$vs_migration_error" ] || vs_migration_error=${line#MIGRATION-ERROR: }
			;;
		'supervise: bad image '*) vs_bad_image=${line#supervise: } ;;
		'supervise: no output from the guest within '*)
			vs_silence=${line#supervise: }
			vs_silence=${vs_silence%%,*}
			;;
		'' | backtrace:* | INFO:* | 'supervise: '* | 'MIGRATE: '* | 'migrate: '*) ;;
		*)
			if [[ $line == *": terminating on signal "* ]] && [[ $line == "$qemu_name:"* || $line == qemu-system-*:* ]]; then
				# QEMU's SIGTERM/SIGINT/SIGHUP handler: it exits 0, as after a guest's exit
				[ -n "$vs_qemu_signal" ] || vs_qemu_signal=${line#*: terminating on }
			fi
			case $line in
			*"Error while loading elf kernel"* | *"could not load kernel"* | *"could not load "*" kernel"*)
				[ -n "$vs_load_error" ] || vs_load_error=$line
				;;
			esac
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
# a bad image, stopped by the runner, timed out, no output from the guest in time, QEMU
# terminated by a signal from elsewhere, a failure in host/migrate, or QEMU unable to
# load the image (the build is broken: a FAIL, not a host limit).
verdict_ended_early() {
	if [ -n "$vs_bad_image" ]; then
		V_REASON=$vs_bad_image
	elif [ "$vs_stopped" != 0 ]; then
		V_REASON="interrupted"
	elif [ "$vs_timed_out" = 1 ]; then
		V_REASON="timeout after $1 s"
	elif [ "$vs_silent" = 1 ]; then
		V_REASON=${vs_silence:-no output from the guest}
	elif [ -n "$vs_migration_error" ]; then
		V_REASON="migration: $vs_migration_error"
	elif [ -n "$vs_qemu_signal" ]; then
		V_REASON="QEMU ended by $vs_qemu_signal, not through the guest's exit"
	elif [ -n "$vs_load_error" ]; then
		V_REASON="QEMU cannot load the image: $vs_load_error"
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
	if [ "$V_RESULT" = FAIL ] && [ -n "$vs_false_exit" ]; then
		V_REASON+=" ('${vs_false_exit:0:40}' lacks this run's token)"
	fi
}

# verdict_exit_disputed: true (V_REASON set) when the guest printed more after its exit,
# QEMU's end is not the one the arch's exit path gives (run_exit_ok), or an exit status
# of 0 follows failed claims.
verdict_exit_disputed() {
	local n
	if [ -n "$vs_after_exit" ]; then
		V_REASON="EXIT: STATUS=$vs_code was not the guest's last word: '${vs_after_exit:0:60}' followed"
	elif [ "$vs_signal" != 0 ]; then
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
		# every claim skipped, or the subject is absent (report_skip_all, whose SKIP line
		# is the last): the reason is that SKIP's, whatever set-up claims passed
		V_RESULT=SKIP
		V_REASON=${vs_last_skip:-nothing tested}
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
