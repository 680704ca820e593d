#!/usr/bin/env bash
# Load on the local credential server (internal/serve): throughput, latency
# against direct requests, token path calls and the server's peak RSS. The
# driver runs the server in a child process of its own; see
# bench/serveload/main.go. Flags go to the driver:
#
#   bash bench/serve.sh              # 32 parallel clients, 10 s each way
#   bash bench/serve.sh -c 64 -d 30s
#
# The per-request overhead as a Go benchmark (median and p99):
#   go test -run '^$' -bench ProxyOverhead -benchtime 5000x ./internal/serve
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nxcred-serveload.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Built, not `go run`: the driver starts its own binary as the server.
go build -o "$tmp/serveload" ./bench/serveload
"$tmp/serveload" "$@"
