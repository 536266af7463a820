#!/usr/bin/env bash
# The README's first command: builds the provider and the sandbox, starts the sandbox, applies this
# directory's configuration against it and prints the sessions. No token, no network.
#   examples/demo/run.sh            # apply, print, destroy, stop the sandbox
#   examples/demo/run.sh --keep     # leave the sandbox running and the sessions in place
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true

command -v terraform >/dev/null || { echo "terraform is not on PATH" >&2; exit 1; }
command -v protoc >/dev/null || { echo "protoc is needed to build (Debian: apt-get install protobuf-compiler)" >&2; exit 1; }

echo "==> building terraform-provider-nac and nac-sandbox"
cargo build --quiet --manifest-path "$repo/Cargo.toml" --bins
bin="$repo/target/debug"

work="$repo/target/demo"
rm -rf "$work" && mkdir -p "$work"
cp "$repo"/examples/demo/*.tf "$work/"

echo "==> starting nac-sandbox"
"$bin/nac-sandbox" --listen 127.0.0.1:0 >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
cleanup() { $keep || kill "$sandbox_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*' "$work/sandbox.log" | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "nac-sandbox did not start:" >&2; cat "$work/sandbox.log" >&2; exit 1; }
echo "    sandbox at $url"

# Use the freshly built provider without a registry: Terraform's development overrides.
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides { "network-as-code/nac" = "$bin" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 NAC_TOKEN=demo-token
cd "$work"

echo "==> terraform apply"
terraform apply -input=false -auto-approve -compact-warnings -var "base_url=$url"

if $keep; then
  echo "==> sandbox left running at $url (pid $sandbox_pid); state in $work"
else
  echo "==> terraform destroy"
  terraform destroy -input=false -auto-approve -compact-warnings -var "base_url=$url" >/dev/null
  left=$(curl -s "$url/_sandbox/sessions" 2>/dev/null || echo "?")
  echo "    sessions left in the sandbox: $left"
fi
