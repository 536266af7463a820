# Builds nac-sandbox and the provider from source and makes both usable in this CI job: nac-sandbox on
# PATH, and a filesystem mirror of the provider named by TF_CLI_CONFIG_FILE, so `terraform init`
# installs it as from a registry. Usage: source install-from-source.sh DIR [REF]
# (DIR: a cacheable directory; REF: the branch or tag to build, default main)
# Two release builds: about 15 minutes cold on 2 cores; cache DIR/target (and ~/.cargo) between runs.
nac_dir=$1 nac_ref=${2:-main}
if [ ! -d "$nac_dir/src/.git" ]; then
  git clone --depth 1 --branch "$nac_ref" https://github.com/network-as-code/terraform-provider-nac "$nac_dir/src" ||
    return 1
fi
export CARGO_TARGET_DIR="$nac_dir/target"
cargo build --release --locked --manifest-path "$nac_dir/src/Cargo.toml" -p nac-sandbox || return 1
# nac-release builds the provider and writes the archives, a mirror and dist/terraformrc pointing at it.
cargo run --release --locked --manifest-path "$nac_dir/src/Cargo.toml" -p nac-xtask --bin nac-release -- \
  --out "$nac_dir/dist" || return 1
unset CARGO_TARGET_DIR
export PATH="$nac_dir/target/release:$PATH"
export TF_CLI_CONFIG_FILE="$nac_dir/dist/terraformrc"
