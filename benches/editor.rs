//! YAML editor benchmark: prints figures, asserts only that the checks
//! ran. A 500-line PyTorchJob (a master and 11 worker roles, each with env,
//! ports, mounts and resources) checked against the emulator's PyTorchJob
//! CRD schema: parse, validate, and map each problem to its line, as the
//! editor does on every edit; once valid, once with a wrong type in every
//! role.
//!
//! Run with `cargo bench --bench editor`.

use std::fmt::Write;
use std::time::{Duration, Instant};

use kftui::views::editor::check::{self, Schema};
use kftui::views::editor::lines::LineIndex;

fn role(out: &mut String, name: &str, replicas: &str) {
    let _ = write!(
        out,
        "    {name}:\n      replicas: {replicas}\n      restartPolicy: OnFailure\n      template:\n        metadata:\n          labels:\n            role: {name}\n        spec:\n          containers:\n          - name: pytorch\n            image: docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0\n            command:\n            - python3\n            - /opt/pytorch-mnist/mnist.py\n            - --epochs=10\n            env:\n"
    );
    for i in 0..8 {
        let _ = writeln!(
            out,
            "            - name: VAR_{i}\n              value: \"{i}\""
        );
    }
    let _ = write!(
        out,
        "            ports:\n            - containerPort: 23456\n              name: pytorchjob-port\n            volumeMounts:\n            - name: data\n              mountPath: /data\n            resources:\n              limits:\n                cpu: \"4\"\n                memory: 16Gi\n                nvidia.com/gpu: 1\n              requests:\n                cpu: \"4\"\n                memory: 16Gi\n          volumes:\n          - name: data\n            persistentVolumeClaim:\n              claimName: data\n"
    );
}

fn document(replicas: &str) -> String {
    let mut out = String::from(
        "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata:\n  name: bench\n  namespace: ml-research\nspec:\n  runPolicy:\n    cleanPodPolicy: None\n    backoffLimit: 3\n  pytorchReplicaSpecs:\n",
    );
    role(&mut out, "Master", "1");
    let mut i = 0;
    while out.lines().count() < 500 {
        role(&mut out, &format!("Worker{i}"), replicas);
        i += 1;
    }
    out
}

fn measure(text: &str, schema: &Schema) -> (Duration, usize) {
    let runs = 200;
    let mut problems = 0;
    let started = Instant::now();
    for _ in 0..runs {
        let doc = check::parse(text).expect("parses");
        let index = LineIndex::new(text);
        let mut ps = schema.check(&doc);
        for p in &mut ps {
            p.line = index.line_of(&p.path);
        }
        problems = ps.len();
    }
    (started.elapsed() / runs, problems)
}

fn main() {
    let openapi = kftui_emulator::crds::schemas::pytorch_job();
    let built = Instant::now();
    let schema = Schema::new(&openapi).expect("schema");
    println!(
        "editor: build the PyTorchJob schema validator: {:?}",
        built.elapsed()
    );
    let good = document("2");
    let lines = good.lines().count();
    let (t, n) = measure(&good, &schema);
    assert_eq!(n, 0);
    println!(
        "editor: check a {lines}-line PyTorchJob (parse + schema + line map): {t:?} per check, {n} problems"
    );
    let bad = document("two");
    let (t, n) = measure(&bad, &schema);
    assert!(n > 0);
    println!("editor: the same with a wrong type in {n} roles: {t:?} per check");
    let doc = check::parse(&good).expect("parses");
    let runs = 500;
    let started = Instant::now();
    for _ in 0..runs {
        assert!(schema.check(&doc).is_empty());
    }
    println!(
        "editor: schema validation alone: {:?} per validation",
        started.elapsed() / runs
    );
}
