#!/usr/bin/env bash
# Start the API, the action server and Rasa on loopback; Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
: "${API_PORT:=8000}" "${RASA_PORT:=5005}" "${ACTIONS_PORT:=5055}" "${DVC_BIND:=127.0.0.1}"
export DVC_API_URL="http://127.0.0.1:${API_PORT}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:${ACTIONS_PORT}/webhook"
export SANIC_HOST="$DVC_BIND" RASA_TELEMETRY_ENABLED=false
# Servers keep idle connections open longer than their clients do (aiohttp 15 s, httpx 5 s), so a client never
# reuses a connection the server is closing at that moment ("Cannot write to closing transport": a lost answer).
export SANIC_KEEP_ALIVE_TIMEOUT="${SANIC_KEEP_ALIVE_TIMEOUT:-30}"
# The actions and the gateway prove themselves to the API with this token: a fresh one per run unless set.
# In production it must be set (the API refuses to start without it, naming the variable).
[ "${DVC_PROFILE:-}" = production ] || : "${DVC_INTERNAL_TOKEN:=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export DVC_INTERNAL_TOKEN
# Admin sessions are signed with this key; every API worker must share it (a fresh one per run unless set).
[ "${DVC_PROFILE:-}" = production ] || : "${DVC_SECRET_KEY:=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export DVC_SECRET_KEY
export DVC_TRACKER_DB_URL="${DVC_TRACKER_DB_URL:-sqlite:///$PWD/var/tracker.db}"
export DVC_WIDGET_RASA_URL="${DVC_WIDGET_RASA_URL:-http://127.0.0.1:${RASA_PORT}}"
# A demo admin for the dashboard when none is configured (never in production: set both variables there).
if [ -z "${DVC_ADMIN_PASSWORD:-}" ] && [ "${DVC_PROFILE:-}" != "production" ]; then
  DVC_ADMIN_USER="${DVC_ADMIN_USER:-admin}"
  DVC_ADMIN_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  admin_note="(demo password for this run: ${DVC_ADMIN_PASSWORD})"
fi
export DVC_ADMIN_USER DVC_ADMIN_PASSWORD
# The gateways (Zalo, Telegram) prove themselves to Rasa's gateway channel with this token: a fresh one per run unless set.
: "${DVC_GATEWAY_TOKEN:=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export DVC_GATEWAY_TOKEN
# The web origins allowed to call Rasa (and the API) from a browser: one setting for both, read by api/settings.py.
# Default: the demo page as printed below, under both names of loopback. A Sở sets its site's origin(s) here, e.g.
# DVC_CORS_ORIGINS='["https://sogd.example.gov.vn"]'.
: "${DVC_CORS_ORIGINS:=[\"http://localhost:${API_PORT}\",\"http://127.0.0.1:${API_PORT}\"]}"
export DVC_CORS_ORIGINS
cors_origins="$(.venv/bin/python -c 'from api.settings import get_settings; print(*get_settings().cors_origins, sep="\n")')"
mapfile -t cors_origins <<<"$cors_origins"
endpoints=bot/endpoints.yml
[ "${DVC_PROFILE:-}" = "production" ] && endpoints=bot/endpoints.production.yml
# Rasa's --cors takes one list: a second --cors would replace the first.
rasa_args=(run --model models/dvc.tar.gz --endpoints "$endpoints" --credentials bot/credentials.yml
           --interface "$DVC_BIND" --port "$RASA_PORT" --cors "${cors_origins[@]}")
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then rasa_args+=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi
if [ "${1:-}" = "--print-rasa-args" ]; then printf '%s\n' "${rasa_args[@]}"; exit 0; fi  # what would start (tests)

pids=()
stop() {
  trap - EXIT INT TERM
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

wait_for() {  # name url seconds
  local deadline=$((SECONDS + $3))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "!! $1 did not start: see var/log/$1.log"; tail -n 20 "var/log/$1.log"; exit 1; fi
    sleep 0.5
  done
  echo "==> $1 ready"
}

.venv/bin/uvicorn api.main:app --host "$DVC_BIND" --port "$API_PORT" --workers "${DVC_API_WORKERS:-2}" \
  --timeout-keep-alive 30 --log-level warning >var/log/api.log 2>&1 &
pids+=($!)
.venv-rasa/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" >var/log/actions.log 2>&1 &
pids+=($!)
.venv-rasa/bin/rasa "${rasa_args[@]}" >var/log/rasa.log 2>&1 &
pids+=($!)

wait_for api "http://127.0.0.1:${API_PORT}/health" 60
wait_for actions "http://127.0.0.1:${ACTIONS_PORT}/health" 120
wait_for rasa "http://127.0.0.1:${RASA_PORT}/" 180

if [ -n "${ZALO_BOT_TOKEN:-}" ]; then
  RASA_URL="http://127.0.0.1:${RASA_PORT}" .venv/bin/python -m gateway.zalo >var/log/zalo.log 2>&1 &
  pids+=($!)
  zalo_line="Zalo:           gateway running (log: var/log/zalo.log)"
else
  zalo_line="Zalo:           off (set ZALO_BOT_TOKEN to start the gateway)"
fi
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  RASA_URL="http://127.0.0.1:${RASA_PORT}" .venv/bin/python -m gateway.telegram >var/log/telegram.log 2>&1 &
  pids+=($!)
  telegram_line="Telegram:       gateway running (log: var/log/telegram.log)"
else
  telegram_line="Telegram:       off (set TELEGRAM_BOT_TOKEN to start the gateway)"
fi

cat <<TXT

Trợ lý DVC Giáo dục is running (logs in var/log/):
  Chat (REST):    curl -s -XPOST http://127.0.0.1:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"demo","message":"xin ban sao bang tot nghiep can giay to gi"}'
  Rasa socket.io: http://127.0.0.1:${RASA_PORT}/socket.io
  API docs:       http://127.0.0.1:${API_PORT}/docs
  API health:     http://127.0.0.1:${API_PORT}/health
  Action server:  http://127.0.0.1:${ACTIONS_PORT}/health
  Demo + widget:  http://localhost:${API_PORT}/
  Admin:          http://localhost:${API_PORT}/admin  (user: ${DVC_ADMIN_USER:-admin}) ${admin_note:-}
  ${zalo_line}
  ${telegram_line}
Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}" || true
sleep 1  # Ctrl-C reaches the services and this script together: let the INT trap stop everything quietly
echo "!! a service exited: see var/log/"
exit 1
