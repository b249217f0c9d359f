# api: webhook intake and push-to-live benchmarks.
.PHONY: bench-webhooks soak-webhooks
bench-webhooks: install ## Webhook burst (500) and push-to-live overhead; writes docs/benchmarks.md
	$(PY) -m bench.webhooks --pushes 500 --e2e

soak-webhooks: install ## 500 push webhooks in one burst: every one answered, each built once
	$(PY) -m bench.webhooks --pushes 500 --no-write

bench: bench-webhooks
soak: soak-webhooks
