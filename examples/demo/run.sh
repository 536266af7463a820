#!/usr/bin/env bash
# The README's first command, installing the provider the way users do: builds the provider, the
# sandbox and nac-release, packages the provider into a filesystem mirror, starts the sandbox, runs
# `terraform init` from that mirror (no dev_overrides), applies this directory's configuration, prints
# the sessions and destroys them. No token, no network.
#   examples/demo/run.sh            # init, apply, print, destroy, stop the sandbox
#   examples/demo/run.sh --keep     # leave the sandbox running and the sessions in place, and say how to go on
# Needs: cargo and terraform on PATH. Nothing else (no protoc: the gRPC code is checked in; no curl).
# Honours CARGO_TARGET_DIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
keep=false
case "${1:-}" in
  --keep) keep=true ;;
  "") ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

command -v terraform >/dev/null || { echo "terraform is not on PATH (install terraform >= 1.6)" >&2; exit 1; }
# Colour only for a terminal: piped output gets no escape codes.
color=()
[ -t 1 ] || color=(-no-color)

echo "==> building terraform-provider-nac, nac-sandbox and nac-release (a cold build takes several minutes)"
cargo build --manifest-path "$repo/Cargo.toml" --bin terraform-provider-nac --bin nac-sandbox --bin nac-release
target_dir=${CARGO_TARGET_DIR:-$repo/target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
bin="$target_dir/debug"

work="$target_dir/demo"
rm -rf "$work" && mkdir -p "$work/config"
cp "$repo"/examples/demo/*.tf "$work/config/"

echo "==> packaging the provider into a filesystem mirror (nac-release)"
"$bin/nac-release" --binary "$bin/terraform-provider-nac" --out "$work/dist" | sed 's/^/    /'
# The published checksums, as a team commits them: init checks the archive against them.
cp "$work/dist/dependency-lock.hcl" "$work/config/.terraform.lock.hcl"

echo "==> starting nac-sandbox"
"$bin/nac-sandbox" --listen 127.0.0.1:0 >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
cleanup() { $keep || kill "$sandbox_pid" 2>/dev/null || true; }
trap cleanup EXIT
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*' "$work/sandbox.log" | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "nac-sandbox did not start:" >&2; cat "$work/sandbox.log" >&2; exit 1; }
echo "    sandbox at $url"

export TF_CLI_CONFIG_FILE="$work/dist/terraformrc" TF_IN_AUTOMATION=1 NAC_TOKEN=demo-token CHECKPOINT_DISABLE=1
tf() { terraform -chdir="$work/config" "$@"; }

echo "==> terraform init (from the mirror $work/dist/mirror)"
tf init -input=false "${color[@]}"

echo "==> terraform apply"
tf apply -input=false -auto-approve "${color[@]}" -var "base_url=$url"

# The sandbox's admin API, without curl: one HTTP/1.0 GET over bash's /dev/tcp.
active_sessions() {
  local hostport=${url#http://}
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
  printf 'GET /_sandbox/sessions HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&3
  { grep -o '"qosStatus":"[A-Z]*"' <&3 || true; } | grep -vc UNAVAILABLE || true
  exec 3>&-
}

if $keep; then
  cat <<KEEP
==> left running: nac-sandbox at $url (pid $sandbox_pid), $(active_sessions) active sessions, state in $work/config
    To go on (same shell or a new one):
      export TF_CLI_CONFIG_FILE="$work/dist/terraformrc" NAC_TOKEN=demo-token
      terraform -chdir="$work/config" plan -var "base_url=$url"
      terraform -chdir="$work/config" output
      terraform -chdir="$work/config" destroy -auto-approve -var "base_url=$url"
    To stop the sandbox (its sessions are in memory only):
      kill $sandbox_pid
KEEP
else
  echo "==> terraform destroy"
  tf destroy -input=false -auto-approve "${color[@]}" -var "base_url=$url" >/dev/null
  echo "    active sessions left in the sandbox: $(active_sessions)"
fi
