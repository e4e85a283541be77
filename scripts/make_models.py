#!/usr/bin/env python3
"""Builds the small example models shipped in assets/models/ and the test-only
models in tests/fixtures/onnx/.

Everything is made offline from the datasets bundled with scikit-learn (iris,
digits) and converted with skl2onnx. For every shipped model it also writes
`<name>.input.json` (an example request, as the kftui ONNX pane accepts it) and
`<name>.expected.json` (the outputs that Python onnxruntime computes for that
request), which the Rust tests compare against.

Usage (from the repository root):
    python3 -m venv .cache/models-venv
    .cache/models-venv/bin/pip install -r scripts/requirements-models.txt
    .cache/models-venv/bin/python scripts/make_models.py

The output is deterministic for pinned package versions (fixed random seeds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "assets" / "models"
FIXTURES = ROOT / "tests" / "fixtures" / "onnx"
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
PRODUCER_NOTE = "kftui scripts/make_models.py"


def name_batch_dim(model: onnx.ModelProto, dim_name: str) -> None:
    """Gives the dynamic first dimension of every graph input/output a name."""
    for value in list(model.graph.input) + list(model.graph.output):
        tensor_type = value.type.tensor_type
        if value.type.HasField("tensor_type") and len(tensor_type.shape.dim) > 0:
            first = tensor_type.shape.dim[0]
            if not first.HasField("dim_value"):
                first.dim_param = dim_name


def add_metadata(model: onnx.ModelProto, graph_name: str, doc: str, extra: dict[str, str]) -> None:
    model.graph.name = graph_name
    model.doc_string = doc
    props = {"made_by": PRODUCER_NOTE, **extra}
    del model.metadata_props[:]
    for key, value in sorted(props.items()):
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value


def save(model: onnx.ModelProto, path: Path) -> None:
    # skl2onnx collects opset imports in a set; sort them so the bytes are reproducible
    imports = sorted({(o.domain, o.version) for o in model.opset_import})
    del model.opset_import[:]
    for domain, version in imports:
        model.opset_import.append(helper.make_opsetid(domain, version))
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


def to_jsonable(value):
    """Converts one onnxruntime output into the JSON layout of *.expected.json."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("U", "O", "S"):
            data = [str(v) for v in value.reshape(-1)]
            dtype = "BYTES"
        else:
            data = value.reshape(-1).tolist()
            dtype = {
                "float32": "FP32",
                "float64": "FP64",
                "int64": "INT64",
                "int32": "INT32",
                "bool": "BOOL",
            }[str(value.dtype)]
        return {"kind": "tensor", "datatype": dtype, "shape": list(value.shape), "data": data}
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        # sequence<map<K, float>>, e.g. scikit-learn's ZipMap output
        return {
            "kind": "sequence_of_maps",
            "data": [[[k if isinstance(k, str) else int(k), float(v)] for k, v in m.items()] for m in value],
        }
    raise TypeError(f"unsupported output type {type(value)}")


def record_expected(model_path: Path, feeds: dict[str, np.ndarray]) -> None:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    results = session.run(names, feeds)
    expected = {
        "onnxruntime": ort.__version__,
        "outputs": [{"name": n, **to_jsonable(v)} for n, v in zip(names, results)],
    }
    out = model_path.with_suffix("").with_suffix(".expected.json")
    out.write_text(json.dumps(expected, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def write_input(model_path: Path, request: dict | list) -> None:
    out = model_path.with_suffix("").with_suffix(".input.json")
    out.write_text(json.dumps(request, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def iris_logreg() -> None:
    """Logistic regression with string class labels and ZipMap (seq(map(string, float)))."""
    iris = load_iris()
    labels = np.array(iris.target_names)[iris.target]
    clf = LogisticRegression(max_iter=1000, random_state=0).fit(iris.data.astype(np.float32), labels)
    model = to_onnx(clf, initial_types=[("features", FloatTensorType([None, 4]))], target_opset=TARGET_OPSET)
    name_batch_dim(model, "batch")
    add_metadata(
        model,
        "iris_logreg",
        "Iris species from sepal/petal length and width (cm); logistic regression.",
        {"dataset": "iris (scikit-learn bundled)", "features": "sepal_length,sepal_width,petal_length,petal_width"},
    )
    path = MODELS / "iris_logreg.onnx"
    save(model, path)
    rows = [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]
    write_input(path, {"instances": rows})
    record_expected(path, {"features": np.array(rows, dtype=np.float32)})


def iris_tree() -> None:
    """Decision tree with integer class labels and ZipMap (seq(map(int64, float)))."""
    X, y = load_iris(return_X_y=True)
    clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X.astype(np.float32), y)
    model = to_onnx(clf, initial_types=[("input", FloatTensorType([None, 4]))], target_opset=TARGET_OPSET)
    add_metadata(model, "iris_tree", "Iris class index (0, 1, 2); decision tree of depth 3.", {"dataset": "iris (scikit-learn bundled)"})
    path = MODELS / "iris_tree.onnx"
    save(model, path)
    rows = [[5.9, 3.0, 5.1, 1.8]]
    write_input(path, {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": rows}]})
    record_expected(path, {"input": np.array(rows, dtype=np.float32)})


def iris_linreg() -> None:
    """Linear regression: petal width from the three other measurements."""
    X, _ = load_iris(return_X_y=True)
    features, target = X[:, :3].astype(np.float32), X[:, 3].astype(np.float32)
    reg = LinearRegression().fit(features, target)
    model = to_onnx(reg, initial_types=[("measurements", FloatTensorType([None, 3]))], target_opset=TARGET_OPSET)
    name_batch_dim(model, "N")
    add_metadata(model, "iris_linreg", "Petal width (cm) from sepal length, sepal width and petal length.", {"dataset": "iris (scikit-learn bundled)"})
    path = MODELS / "iris_linreg.onnx"
    save(model, path)
    rows = [[5.1, 3.5, 1.4], [6.7, 3.1, 4.4]]
    write_input(path, rows)
    record_expected(path, {"measurements": np.array(rows, dtype=np.float32)})


def digits_mlp() -> None:
    """Small MLP on 8x8 digit images, without ZipMap (label + probability tensors)."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=400, random_state=0).fit(X, y)
    model = to_onnx(
        clf,
        initial_types=[("pixels", FloatTensorType([None, 64]))],
        options={id(clf): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    add_metadata(
        model,
        "digits_mlp",
        "Handwritten digit (0-9) from an 8x8 image, pixel values scaled to [0, 1]; MLP with one hidden layer of 32.",
        {"dataset": "digits (scikit-learn bundled)", "classes": "0,1,2,3,4,5,6,7,8,9"},
    )
    path = MODELS / "digits_mlp.onnx"
    save(model, path)
    rows = X[[0, 1]].round(4)
    write_input(
        path,
        {"inputs": [{"name": "pixels", "shape": [2, 64], "datatype": "FP32", "data": rows.reshape(-1).tolist()}]},
    )
    record_expected(path, {"pixels": rows.astype(np.float32)})


def fixture_unknown_op() -> None:
    """A valid ONNX file whose only node needs an operator no runtime provides."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])
    node = helper.make_node("NoSuchOp", ["x"], ["y"], domain="com.example")
    graph = helper.make_graph([node], "needs_unknown_op", [x], [y])
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)],
        producer_name=PRODUCER_NOTE,
    )
    model.ir_version = 8
    path = FIXTURES / "unknown_op.onnx"
    path.write_bytes(model.SerializeToString())  # the checker rightly rejects unknown ops
    print(f"wrote {path.relative_to(ROOT)}")


def fixture_multi_input() -> None:
    """Several inputs of different element types, for parser and runtime tests."""
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["batch", 3])
    count = helper.make_tensor_value_info("count", TensorProto.INT64, ["batch"])
    tag = helper.make_tensor_value_info("tag", TensorProto.STRING, ["batch"])
    flag = helper.make_tensor_value_info("flag", TensorProto.BOOL, ["batch"])
    sum_out = helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["batch", 3])
    double = helper.make_tensor_value_info("count_doubled", TensorProto.INT64, ["batch"])
    tag_out = helper.make_tensor_value_info("tag_echo", TensorProto.STRING, ["batch"])
    flag_out = helper.make_tensor_value_info("flag_negated", TensorProto.BOOL, ["batch"])
    nodes = [
        helper.make_node("Add", ["a", "b"], ["sum"]),
        helper.make_node("Add", ["count", "count"], ["count_doubled"]),
        helper.make_node("Identity", ["tag"], ["tag_echo"]),
        helper.make_node("Not", ["flag"], ["flag_negated"]),
    ]
    graph = helper.make_graph(nodes, "multi_input", [a, b, count, tag, flag], [sum_out, double, tag_out, flag_out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name=PRODUCER_NOTE)
    model.ir_version = 8
    save(model, FIXTURES / "multi_input.onnx")


def fixture_slow() -> None:
    """Hundreds of large MatMuls in a row: one run takes seconds, long enough to be
    cancelled mid-way, while the request stays tiny (x is [1, 256]).

    x is broadcast to 4096 rows inside the graph and the weights are made at run
    time (ConstantOfShape), so the file stays small too.
    """
    size, rows, layers = 256, 4096, 2000
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, size])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, size])
    w_shape = helper.make_tensor("w_shape", TensorProto.INT64, [2], [size, size])
    rows_shape = helper.make_tensor("rows_shape", TensorProto.INT64, [2], [rows, size])
    fill = helper.make_tensor("w_fill", TensorProto.FLOAT, [1], [1.0 / size])
    nodes = [
        helper.make_node("ConstantOfShape", ["w_shape"], ["w"], value=fill),
        helper.make_node("Expand", ["x", "rows_shape"], ["h_in"]),
    ]
    previous = "h_in"
    for i in range(layers):
        out = f"h{i}"
        nodes.append(helper.make_node("MatMul", [previous, "w"], [out]))
        previous = out
    nodes.append(helper.make_node("ReduceMean", [previous], ["y"], axes=[0], keepdims=1))
    graph = helper.make_graph(nodes, "slow_chain", [x], [y], initializer=[w_shape, rows_shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name=PRODUCER_NOTE)
    model.ir_version = 8
    save(model, FIXTURES / "slow.onnx")


def main() -> int:
    if ort.__version__ != "1.31.1":
        print(f"warning: onnxruntime {ort.__version__} is installed; expected outputs are meant to come from 1.31.1", file=sys.stderr)
    MODELS.mkdir(parents=True, exist_ok=True)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    np.random.seed(0)
    iris_logreg()
    iris_tree()
    iris_linreg()
    digits_mlp()
    fixture_unknown_op()
    fixture_multi_input()
    fixture_slow()
    return 0


if __name__ == "__main__":
    sys.exit(main())
