#!/usr/bin/env bash
# Waits until the web process answers on HOST:PORT, then prints the address to open, so that it
# stands out after the worker's start-up banner. Gives up quietly after TIMEOUT seconds.
set -uo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
timeout=${3:-120}

for ((i = 0; i < timeout * 2; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        printf '\n  ==============================================================\n'
        printf '   EQ DKP is up: open http://%s:%s\n' "$host" "$port"
        printf '   Demo sign-in (officer, member, applicant): http://%s:%s/sign-in/\n' "$host" "$port"
        printf '   Ctrl-C stops web and worker.\n'
        printf '  ==============================================================\n\n'
        exit 0
    fi
    sleep 0.5
done
exit 0
