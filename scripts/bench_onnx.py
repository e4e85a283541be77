"""Python side of kftui's ONNX benchmark (benches/onnx.rs runs it).

For one model and its example request: session load time, then the per-call
latency of the same path the pane takes (parse the request JSON, build the input
arrays, run) with Python onnxruntime, CPU, one intra-op thread.
Prints one JSON line: {"version", "load_ms", "p50_us", "mean_us", "calls"}.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

V2_TYPES = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32,
            "BOOL": np.bool_, "BYTES": np.object_, "UINT8": np.uint8, "INT8": np.int8}
ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
             "tensor(int64)": np.int64, "tensor(int32)": np.int32}


def feeds(text, inputs):
    request = json.loads(text)
    if isinstance(request, dict) and "inputs" in request:
        return {i["name"]: np.asarray(i["data"], dtype=V2_TYPES[i["datatype"]]).reshape(i["shape"])
                for i in request["inputs"]}
    data = request["instances"] if isinstance(request, dict) else request
    only = inputs[0]
    return {only.name: np.asarray(data, dtype=ORT_TYPES[only.type])}


def main():
    model, request_path, calls, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    text = open(request_path).read()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    started = time.perf_counter()
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    load = time.perf_counter() - started
    inputs = session.get_inputs()
    for _ in range(warmup):
        session.run(None, feeds(text, inputs))
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter()
        session.run(None, feeds(text, inputs))
        samples.append(time.perf_counter() - t0)
    samples.sort()
    print(json.dumps({
        "version": ort.__version__,
        "load_ms": load * 1e3,
        "p50_us": samples[len(samples) // 2] * 1e6,
        "mean_us": sum(samples) / len(samples) * 1e6,
        "calls": calls,
    }))


if __name__ == "__main__":
    main()
