#!/usr/bin/env bash
# Nightly run of brevo-invite from cron (or a Kubernetes CronJob: see ../kubernetes/cronjob.yaml).
#
# It sends tonight's roster with --resume, so every night picks up where the last one stopped, and
# turns the tool's exit code into what cron and a monitor need: exit 0 and no output for the normal
# outcomes of a nightly run, a line on stderr (which cron mails) and a non-zero exit for the ones
# that need a person. Crontab line: see brevo-invite.crontab beside this file.
#
# Settings, from the environment (defaults in brackets):
#   BREVO_INVITE_DIR      working folder: roster, results, journal, lock, summary, log [/srv/onboarding]
#   BREVO_INVITE_ROSTER   the HR roster, relative to the working folder [roster.csv]
#   BREVO_INVITE_MAX_WAIT longest wait for Brevo's rate-limit window before deferring the rest [10m]
#   BREVO_INVITE_SUMMARY  the summary JSON a monitor reads [last-run.json]; the summary in words
#                         goes beside it (last-run.txt)
#   BREVO_INVITE_LOG      log file the tool's JSON lines are appended to; "-" leaves them on
#                         stdout/stderr (containers, systemd) [invite.log]
#   BREVO_INVITE_BIN      the command [brevo-invite]
#   BREVO_INVITE_DEFERRED_ALERT  deferred nights in a row before a person is told [7]
# The key, and every other option of the tool, come as usual: BREVO_API_KEY or BREVO_API_KEY_FILE
# in the environment or in the working folder's .env (readable by this user only), BREVO_ROLES, ...
# For a roster that drives the account, set BREVO_UPDATE=true (apply access changes, as --update),
# and, if wanted, BREVO_RESEND_PENDING=true and BREVO_PRUNE=true (with BREVO_MAX_PRUNE).
set -euo pipefail

# Results, journal, summary and log hold people's addresses: owner-only, whatever the tool does.
umask 077

dir="${BREVO_INVITE_DIR:-/srv/onboarding}"
roster="${BREVO_INVITE_ROSTER:-roster.csv}"
max_wait="${BREVO_INVITE_MAX_WAIT:-10m}"
summary="${BREVO_INVITE_SUMMARY:-last-run.json}"
log="${BREVO_INVITE_LOG:-invite.log}"
bin="${BREVO_INVITE_BIN:-brevo-invite}"
deferred_alert="${BREVO_INVITE_DEFERRED_ALERT:-7}"
streak_file=".deferred-nights" # how many nights in a row ended with rows deferred

if ! cd "$dir" 2>/dev/null; then
  echo "brevo-invite-nightly: cannot enter the working folder $dir (set BREVO_INVITE_DIR)" >&2
  exit 2
fi

# One JSON line, as the tool's own log lines are, so a log shipper can read the whole file.
# $1: pino level (30 info, 50 error), $2: exit code, $3: message (one line).
note() {
  local line msg="${3//\\/\\\\}"
  msg="${msg//\"/\\\"}"
  line=$(printf '{"level":%d,"time":"%s","source":"brevo-invite-nightly","exit_code":%d,"msg":"%s"}' \
    "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" "$msg")
  if [ "$log" = "-" ]; then printf '%s\n' "$line" >&2; else printf '%s\n' "$line" >>"$log"; fi
  # What needs a person also goes to stderr: cron mails it (MAILTO), systemd and Kubernetes keep it.
  if [ "$1" -ge 50 ] && [ "$log" != "-" ]; then printf '%s\n' "$line" >&2; fi
}

args=(send "$roster" --resume --max-wait "$max_wait" --summary-json "$summary")
code=0
if [ "$log" = "-" ]; then
  "$bin" "${args[@]}" || code=$?
else
  # stderr (JSON log lines) to the log; stdout (the summary in words) to a file of its own, so the
  # log stays JSON lines only, as a log shipper reads it.
  "$bin" "${args[@]}" >"${summary%.json}.txt" 2>>"$log" || code=$?
fi

streak=0
[ -f "$streak_file" ] && streak=$(cat "$streak_file" 2>/dev/null || echo 0)
case "$streak" in '' | *[!0-9]*) streak=0 ;; esac

case "$code" in
  0 | 1)
    # 0: every row invited or skipped. 1: finished, but some rows are invalid, duplicate or failed:
    # HR fixes them in the roster (the results file says how), and tomorrow's run sends them.
    echo 0 >"$streak_file"
    if [ "$code" -eq 0 ]; then note 30 0 "nightly run finished: every row invited or skipped"
    else note 30 1 "nightly run finished: some rows need fixing in the roster, see the results file"; fi
    exit 0
    ;;
  75)
    # Stopped early with rows deferred (the hourly budget, or another run holds the lock): the
    # next night's --resume carries on. Only a long streak of it needs a person: the roster grows
    # faster than the budget, or something keeps the run from finishing.
    streak=$((streak + 1))
    echo "$streak" >"$streak_file"
    if [ "$streak" -ge "$deferred_alert" ]; then
      note 50 75 "rows deferred for $streak nights in a row: the budget does not keep up with the roster, or a run keeps stopping early; see $summary"
      exit 75
    fi
    note 30 75 "rows deferred to the next night ($streak night(s) in a row)"
    exit 0
    ;;
  *)
    # 2 configuration or unreadable roster, 3 key refused, 70 system or internal error,
    # 130/143 killed, 126/127 command not runnable: nothing fixes itself by tomorrow.
    note 50 "$code" "brevo-invite exited $code and needs a person: see $summary and the log"
    exit "$code"
    ;;
esac
