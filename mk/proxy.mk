# Proxy: benchmark against nginx (wrk) and the production-flip soak.
.PHONY: bench soak bench-proxy soak-proxy proxy-bench-tools

proxy-bench-tools:
	@command -v wrk >/dev/null && command -v nginx >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx)

bench-proxy: install proxy-bench-tools ## Proxy vs nginx on the same files; writes docs/benchmarks.md
	$(PY) -m bench.proxy

soak-proxy: install ## Proxy under 64 connections for 30 s while production flips every 100 ms
	$(PY) -m bench.proxy_flip --connections 64 --seconds 30 --flip-every 0.1

bench: bench-proxy
soak: soak-proxy
