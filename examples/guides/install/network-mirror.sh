#!/usr/bin/env bash
# Turns the archives nac-release wrote into a provider network mirror: the files to serve over HTTPS.
# Usage: network-mirror.sh DIST OUT   (DIST holds terraform-provider-nac_<version>_<os>_<arch>.zip and
# ..._SHA256SUMS; OUT/registry.terraform.io/... and OUT/registry.opentofu.org/... are written)
set -euo pipefail
dist=$1 out=$2
sums=$(ls "$dist"/terraform-provider-nac_*_SHA256SUMS)
version=$(basename "$sums" | sed 's/^terraform-provider-nac_\(.*\)_SHA256SUMS$/\1/')

for host in registry.terraform.io registry.opentofu.org; do
  dir="$out/$host/network-as-code/nac"
  mkdir -p "$dir"
  archives=""
  while read -r sum name; do
    platform=${name#terraform-provider-nac_"${version}"_}
    platform=${platform%.zip}
    cp "$dist/$name" "$dir/"
    archives+="${archives:+,}\"$platform\":{\"url\":\"$name\",\"hashes\":[\"zh:$sum\"]}"
  done < <(grep '\.zip$' "$sums")
  # The two JSON documents of the provider network mirror protocol.
  printf '{"versions":{"%s":{}}}\n' "$version" >"$dir/index.json"
  printf '{"archives":{%s}}\n' "$archives" >"$dir/$version.json"
done
echo "serve $out over HTTPS and name it in network_mirror { url = \"https://.../\" }"
