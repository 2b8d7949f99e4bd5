#!/usr/bin/env bash
# Runs public AppSync apps of aws-samples/serverless-patterns (MIT-0) under `switchyard dev` as an
# outside user would: from this checkout's packed tarballs (npm run pack), each app copied
# unchanged, `npm install`ed with switchyard-cli as a devDependency, then what its README says
# done through its GraphQL API. Exits non-zero, naming the step, at the first thing that fails.
#
#   scripts/run-public-app.sh [bedrock-stream] [cognito]     (both when none is named)
#
# bedrock-stream: appsync-lambda-bedrock-async-stream-subscription-cdk. The README's own client
#   (test/test.ts, Amplify 6) subscribes over the real-time WebSocket, starts the conversation,
#   and must receive a chunk the Lambda streamed from Bedrock's ConverseStream and sent back
#   through the sendChunk mutation. Its model, Claude 3.5 Sonnet v2, reached end of life on AWS
#   on 2026-07-30: Bedrock answers ResourceNotFoundException, locally as on AWS, so the run serves
#   it anyway (SWITCHYARD_MODELS=...?eol=serve, simulated answers). Amplify opens wss:// for any
#   URL; the local endpoint is plain http, so the client runs with a one-line WebSocket shim.
# cognito: appsync-cognito-lambda-cdk. A user signs up (cognito-idp sign-up), the code is read
#   from the local mailbox (switchyard mail), confirmed (confirm-sign-up), signed in by SRP (the
#   client's only password flow: switchyard users token) and runs the @aws_cognito_user_pools
#   mutation; without a token it is refused.
#
# Environment: SERVERLESS_PATTERNS, a clone of aws-samples/serverless-patterns to copy the apps
# from (else they are fetched from GitHub); WORK, the folder everything goes in
# (/tmp/switchyard-public-apps); PORT (4644). Needs git, curl, jq, npm's registry and the aws CLI.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/switchyard-public-apps}
PORT=${PORT:-4644}
ENDPOINT=http://127.0.0.1:$PORT
COMMIT=fb7b5d06c27d8abb1bd35e52ab7523acf4baab7b
# A user of switchyard dev brings Node 24 (Lambda's nodejs24.x): the repository's own.
NODE24=$ROOT/node_modules/node-linux-$(node -p process.arch)/bin
export PATH=$NODE24:$PATH AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
APPS=("$@")
[ ${#APPS[@]} -gt 0 ] || APPS=(bedrock-stream cognito)

fail() {
  echo "run-public-app: $*" >&2
  exit 1
}
step() { echo "== $*"; }

RUNTIME_PID=
stop_runtime() {
  if [ -n "$RUNTIME_PID" ]; then
    # Its own process group (setsid below): npx's child, the runtime, stops with it.
    kill -- "-$RUNTIME_PID" 2>/dev/null || true
    wait "$RUNTIME_PID" 2>/dev/null || true
    RUNTIME_PID=
  fi
}
trap stop_runtime EXIT

# The sample as published at $COMMIT, copied to $WORK/<app>, installed with the packed switchyard-cli.
prepare() {
  local app=$1
  rm -rf "${WORK:?}/$app"
  if [ -n "${SERVERLESS_PATTERNS:-}" ]; then
    git -C "$SERVERLESS_PATTERNS" archive "$COMMIT" "$app" | tar x -C "$WORK"
  else
    local clone=$WORK/serverless-patterns
    [ -d "$clone" ] || git clone --quiet --filter=blob:none --no-checkout https://github.com/aws-samples/serverless-patterns "$clone"
    git -C "$clone" archive "$COMMIT" "$app" | tar x -C "$WORK"
  fi
  step "$app: npm install, then the packed switchyard-cli"
  (cd "$WORK/$app" && npm install --no-audit --no-fund --loglevel=error &&
    npm install --save-dev --no-audit --no-fund --loglevel=error "$WORK/tarballs/switchyard-cli-0.1.0.tgz") ||
    fail "$app: npm install failed"
}

# switchyard dev in $WORK/<app> on $PORT, waited for until it listens (a first synth can take minutes).
start_runtime() {
  local app=$1
  shift
  step "$app: npx switchyard dev --port $PORT"
  (cd "$WORK/$app" && exec setsid env "$@" npx switchyard dev --port "$PORT" --data "$WORK/$app-data" --no-watch --no-typecheck) \
    >"$WORK/$app.log" 2>&1 &
  RUNTIME_PID=$!
  for _ in $(seq 1 600); do
    grep -q 'listening on' "$WORK/$app.log" && return 0
    kill -0 "$RUNTIME_PID" 2>/dev/null || fail "$app: switchyard dev exited:$(printf '\n')$(cat "$WORK/$app.log")"
    sleep 1
  done
  fail "$app: switchyard dev did not listen within 600 s (see $WORK/$app.log)"
}

output() { aws --endpoint-url "$ENDPOINT" cloudformation describe-stacks --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }

run_bedrock_stream() {
  local app=appsync-lambda-bedrock-async-stream-subscription-cdk
  prepare $app
  start_runtime $app "SWITCHYARD_MODELS=anthropic.claude-3-5-sonnet-20241022-v2:0=simulated?eol=serve,simulated"
  step "$app: the README's test/test.ts with the stack's outputs"
  local url key
  url=$(output GraphQLAPIURL)
  key=$(output GraphQLAPIKey)
  sed -i "s#<REPLACE THIS WITH THE DEPLOYED GRAPHQL URL>#$url#; s#<REPLACE THIS WITH THE DEPLOYED GRAPHQL API KEY>#$key#" "$WORK/$app/test/test.ts"
  cat >"$WORK/ws-local.mjs" <<'EOF'
// Amplify 6 opens wss:// for any GraphQL URL (getRealtimeEndpointUrl); the local endpoint is plain http.
const Native = globalThis.WebSocket;
globalThis.WebSocket = class extends Native {
  constructor(url, protocols) {
    super(String(url).replace(/^wss:\/\/(127\.0\.0\.1|localhost)([:/])/, 'ws://$1$2'), protocols);
  }
};
EOF
  # The client runs until Ctrl-C, as the README says: stopped once it has both the mutation's
  # answer and a chunk (the chunk may come first: the Lambda runs in Event mode), or after 90 s.
  (cd "$WORK/$app" && NODE_OPTIONS="--import $WORK/ws-local.mjs" timeout 90 npx tsx test/test.ts) >"$WORK/$app.client.log" 2>&1 &
  local client=$!
  for _ in $(seq 1 90); do
    grep -q 'Received chunk' "$WORK/$app.client.log" && grep -q "status: 'STARTED'" "$WORK/$app.client.log" && break
    sleep 1
  done
  kill "$client" 2>/dev/null || true
  cat "$WORK/$app.client.log"
  grep -q "status: 'STARTED'" "$WORK/$app.client.log" || fail "$app: startConversation did not answer STARTED"
  grep -q 'Received chunk' "$WORK/$app.client.log" || fail "$app: the subscription received no chunk (runtime log: $WORK/$app.log)"
  if grep -q 'requires encoding' "$WORK/$app.log"; then fail "$app: the start-up report says the function's init fails"; fi
  stop_runtime
}

run_cognito() {
  local app=appsync-cognito-lambda-cdk
  prepare $app
  start_runtime $app
  local e="--endpoint-url $ENDPOINT" pool client url id code token answer
  pool=$(aws $e cognito-idp list-user-pools --max-results 10 --query 'UserPools[0].Id' --output text)
  client=$(aws $e cognito-idp list-user-pool-clients --user-pool-id "$pool" --query 'UserPoolClients[0].ClientId' --output text)
  url=$(aws $e appsync list-graphql-apis --query 'graphqlApis[0].uris.GRAPHQL' --output text)
  step "$app: sign-up, the code from the mailbox, confirm-sign-up"
  aws $e cognito-idp sign-up --client-id "$client" --username ada --password 'Passw0rd!long' \
    --user-attributes Name=email,Value=ada@example.com >/dev/null
  id=$(cd "$WORK/$app" && npx switchyard mail --endpoint "$ENDPOINT" --json | jq -r '[.[] | select(.operation == "cognito-idp:SignUp")][0].id')
  code=$(cd "$WORK/$app" && npx switchyard mail "$id" --endpoint "$ENDPOINT" | sed -n 's/.*confirmation code is \([0-9]*\).*/\1/p')
  [ -n "$code" ] || fail "$app: no confirmation code in the mailbox"
  aws $e cognito-idp confirm-sign-up --client-id "$client" --username ada --confirmation-code "$code"
  step "$app: sign in (SRP) and run the @aws_cognito_user_pools mutation"
  token=$(cd "$WORK/$app" && npx switchyard users token --pool "$pool" --username ada --password 'Passw0rd!long' --endpoint "$ENDPOINT" --json | jq -r .IdToken)
  local mutation='{"query":"mutation { createUserAccount(input: {username: \"ada\", email: \"ada@example.com\", profilePicUrl: \"https://example.com/ada.png\"}) { id username email } }"}'
  answer=$(curl -s "$url" -H "Authorization: $token" -H 'content-type: application/json' -d "$mutation")
  echo "$answer"
  [ "$(jq -r .data.createUserAccount.username <<<"$answer")" = ada ] || fail "$app: the signed-in user's mutation failed"
  answer=$(curl -s "$url" -H 'content-type: application/json' -d "$mutation")
  echo "$answer"
  [ "$(jq -r '.errors[0].errorType' <<<"$answer")" = UnauthorizedException ] || fail "$app: a mutation without a token was not refused"
  stop_runtime
}

mkdir -p "$WORK/tarballs"
step "packing this checkout into $WORK/tarballs"
node "$ROOT/scripts/pack.mjs" --destination "$WORK/tarballs" >/dev/null
for app in "${APPS[@]}"; do
  case $app in
    bedrock-stream) run_bedrock_stream ;;
    cognito) run_cognito ;;
    *) fail "unknown app '$app': bedrock-stream or cognito" ;;
  esac
done
echo "run-public-app: ${APPS[*]}: ran as their READMEs say"
