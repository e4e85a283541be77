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

bench: onnxruntime
	cargo bench --workspace
