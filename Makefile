# The two set-up commands from the README.
#   make demo   build kftui and run it on its embedded demo cluster
#   make test   run every test (fetches the ONNX Runtime library first)

.PHONY: demo test onnxruntime bench

onnxruntime:
	@./scripts/fetch-onnxruntime.sh

demo: onnxruntime
	cargo run --release --bin kftui -- --demo

test: onnxruntime
	cargo test --workspace

# Python onnxruntime for the side-by-side ONNX benchmark.
.cache/bench-venv/bin/python:
	python3 -m venv .cache/bench-venv
	.cache/bench-venv/bin/pip install -q onnxruntime==1.31.1 numpy

bench: onnxruntime .cache/bench-venv/bin/python
	cargo bench --workspace
