# Shared by bench/load.sh and bench/fault.sh (sourced): serve a store on loopback and prepare
# work for it. Expects BIN (the fidelis binary) and STORE_ARGS (an array: --data-dir DIR or
# --database-url URL).

# serve PORT LOG [serve args…]: start the server in the background (SERVER_PID), wait until it
# answers.
serve() {
  local port=$1 log=$2
  shift 2
  : > "$log"
  FIDELIS_DATABASE_URL= $BIN "${STORE_ARGS[@]}" serve --bind "127.0.0.1:$port" "$@" >> "$log" 2>&1 &
  SERVER_PID=$!
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 900); do
    grep -q "running at" "$log" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  cat "$log" >&2
  return 1
}

# token USER: a new API token of a user (the CLI, beside the running server).
token() { FIDELIS_DATABASE_URL= $BIN "${STORE_ARGS[@]}" token create --username "$1" | tail -n1; }

# api METHOD PATH TOKEN [BODY]: a JSON call, failing on a non-2xx answer.
api() {
  curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}
}

jsonget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# make_cases N TOKEN: N complaint cases recorded by the token's user (eight at a time), all in
# state "received", about one customer; their situations start with 压测投诉.
make_cases() {
  local n=$1 tok=$2 cid
  cid=$(api GET "/api/v1/customers?limit=1" "$tok" | jsonget '["items"][0]["id"]')
  seq 1 "$n" | xargs -P 8 -I{} curl -sf -o /dev/null -X POST "$BASE/api/v1/complaints" \
    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d "{\"channel\":\"phone\",\"situation\":\"压测投诉 {}\",\"severity\":\"low\",\"customer_id\":$cid}"
}

# make_links SIZE TOKEN: a survey wave of SIZE customers; prints its id, and writes its
# personal-link tokens to the file LINKS.
make_links() {
  local size=$1 tok=$2 survey wave
  survey=$(api POST /api/v1/surveys "$tok" '{"name":"压测调查","template":"nps"}' | jsonget '["id"]')
  wave=$(api POST "/api/v1/surveys/$survey/waves" "$tok" "{\"name\":\"load\",\"size\":$size,\"exclude_days\":0}" | jsonget '["id"]')
  api GET "/api/v1/surveys/waves/$wave/links" "$tok" \
    | python3 -c "import json,sys; [print(l['path'].rsplit('/',1)[-1]) for l in json.load(sys.stdin)['items']]" > "$LINKS"
  echo "$wave"
}
