# Starts nac-sandbox in the background for a CI job and exports where it listens.
# Usage: source start-sandbox.sh   (nac-sandbox on PATH; its log goes to nac-sandbox.log)

# Port 0: the sandbox picks a free port and prints its URL as the first line on stdout.
nac-sandbox --listen 127.0.0.1:0 --activation-delay-ms 0 >nac-sandbox.url 2>nac-sandbox.log &
NAC_SANDBOX_PID=$!
for _ in $(seq 50); do
  [ -s nac-sandbox.url ] && break
  sleep 0.1
done
# "nac-sandbox listening on http://127.0.0.1:PORT" -> the provider's API root.
NAC_BASE_URL=$(sed -n '1s/^nac-sandbox listening on //p' nac-sandbox.url)
if [ -z "$NAC_BASE_URL" ]; then
  cat nac-sandbox.log >&2
  return 1
fi
export NAC_BASE_URL NAC_SANDBOX_PID
export NAC_TOKEN=ci-any-key # the sandbox accepts any non-empty key
echo "nac-sandbox at $NAC_BASE_URL (pid $NAC_SANDBOX_PID)"
