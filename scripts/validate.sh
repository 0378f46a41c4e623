#!/usr/bin/env bash
# rasa data validate; fail on any warning except texts the actions and forms compose (unused by rules by design)
# and intents only bot/components/code_detector.py sets or only buttons send (classroom_lesson, practice_step): no training sentences.
set -euo pipefail
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false PYTHONPATH="${PYTHONPATH:-$PWD}"
cd "$(dirname "$0")/.."
out=$(.venv-rasa/bin/rasa data validate --domain bot/domain --data bot/data --config config.yml 2>&1) || { echo "$out"; exit 1; }
warnings=$(echo "$out" | grep -E "UserWarning|WARNING" | grep -vE "utterance 'utter_(answer|word|part|button|ask_which|need|no_match|api_down|not_understood|too_long|service_busy|fallback_hotline|greet|bot_challenge|out_of_scope|ask_human|ask_(dossier_code|phone_last4|rating|feedback_text|handoff_question)|dossier|phone|classroom|practice|ticket|feedback|rating|offer|save|cancelled|help|affirm|deny|decline|number|calendar|reminder|case_not_covered)[a-z_0-9]*' is not used|intent '(choose_number|classroom_lesson|practice_step)' is listed in the domain file, but is not found in the NLU" || true)
if [ -n "$warnings" ]; then echo "$warnings"; echo "rasa data validate: warnings above"; exit 1; fi
echo "rasa data validate: ok"
