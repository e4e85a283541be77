//! A small scheduler: fits a pod's CPU, memory and `nvidia.com/gpu`
//! requests onto nodes (allocatable minus what non-terminal pods already
//! hold) and words failures like kube-scheduler's `FailedScheduling`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kubeflow::container_gpus;
use crate::quantity;

/// What a pod asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Request {
    pub cpu: f64,
    pub memory: f64,
    pub gpus: u32,
}

impl Request {
    /// Sums the container requests of `pod`.
    pub fn of(pod: &Value) -> Self {
        let mut r = Self::default();
        for c in pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let q = |k: &str| {
                c.pointer(&format!("/resources/requests/{k}"))
                    .or_else(|| c.pointer(&format!("/resources/limits/{k}")))
                    .and_then(Value::as_str)
                    .and_then(quantity::parse)
                    .unwrap_or(0.0)
            };
            r.cpu += q("cpu");
            r.memory += q("memory");
            r.gpus += container_gpus(c);
        }
        r
    }
}

/// A node's allocatable resources and what is already placed on it.
#[derive(Debug, Clone)]
pub struct NodeState {
    pub name: String,
    pub allocatable: Request,
    pub used: Request,
    pub unschedulable: bool,
}

impl NodeState {
    /// Reads a Node object.
    pub fn of(node: &Value) -> Self {
        let q = |k: &str| {
            node.pointer(&format!("/status/allocatable/{k}"))
                .and_then(Value::as_str)
                .and_then(quantity::parse)
                .unwrap_or(0.0)
        };
        Self {
            name: node
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            allocatable: Request {
                cpu: q("cpu"),
                memory: q("memory"),
                gpus: q("nvidia.com~1gpu") as u32,
            },
            used: Request::default(),
            unschedulable: node
                .pointer("/spec/unschedulable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    fn misfit(&self, r: &Request) -> Option<&'static str> {
        if self.unschedulable {
            return Some("node(s) were unschedulable");
        }
        if r.gpus > 0 && self.used.gpus + r.gpus > self.allocatable.gpus {
            return Some("Insufficient nvidia.com/gpu");
        }
        if self.used.cpu + r.cpu > self.allocatable.cpu + 1e-9 {
            return Some("Insufficient cpu");
        }
        if self.used.memory + r.memory > self.allocatable.memory + 1.0 {
            return Some("Insufficient memory");
        }
        None
    }
}

/// Picks a node for `request`: the feasible node with the most free GPUs
/// for GPU pods (least for CPU pods, keeping GPU nodes free), ties by name.
/// On failure returns the scheduler's message.
pub fn place(request: &Request, nodes: &[NodeState]) -> Result<String, String> {
    let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut best: Option<&NodeState> = None;
    for n in nodes {
        match n.misfit(request) {
            Some(reason) => *reasons.entry(reason).or_default() += 1,
            None => {
                let better = match best {
                    None => true,
                    Some(b) if request.gpus > 0 => {
                        n.allocatable.gpus - n.used.gpus > b.allocatable.gpus - b.used.gpus
                    }
                    Some(b) => n.allocatable.gpus < b.allocatable.gpus,
                };
                if better {
                    best = Some(n);
                }
            }
        }
    }
    match best {
        Some(n) => Ok(n.name.clone()),
        None => Err(unschedulable_message(nodes.len(), &reasons)),
    }
}

/// `0/5 nodes are available: 5 Insufficient nvidia.com/gpu. preemption: ...`
pub fn unschedulable_message(total: usize, reasons: &BTreeMap<&'static str, usize>) -> String {
    let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    format!(
        "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {total} No preemption victims found for incoming pod.",
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, gpus: u32) -> NodeState {
        NodeState {
            name: name.into(),
            allocatable: Request {
                cpu: 32.0,
                memory: 1e11,
                gpus,
            },
            used: Request::default(),
            unschedulable: false,
        }
    }

    #[test]
    fn gpu_fit_and_message() {
        let nodes = vec![node("a", 8), node("b", 4), node("c", 0)];
        let r = Request {
            cpu: 1.0,
            memory: 1e9,
            gpus: 2,
        };
        assert_eq!(place(&r, &nodes).ok().as_deref(), Some("a"));
        let big = Request { gpus: 16, ..r };
        assert_eq!(
            place(&big, &nodes).err().as_deref(),
            Some(
                "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
            )
        );
        let cpu = Request { gpus: 0, ..r };
        assert_eq!(place(&cpu, &nodes).ok().as_deref(), Some("c"));
    }
}
