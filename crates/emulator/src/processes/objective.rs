//! The fixed functions behind simulated training: the loss curve training
//! jobs print, and the objective Katib trials are scored by (best near
//! learning_rate = 0.01, batch_size = 96).

/// Training loss after `epoch` (1-based) of `epochs`; strictly decreasing.
pub fn training_loss(epoch: f64, seed: u64) -> f64 {
    let offset = (seed % 1000) as f64 / 10_000.0;
    2.2 * (-0.35 * epoch).exp() + 0.08 + offset
}

/// Final validation accuracy a trial with these parameters reaches.
pub fn trial_accuracy(learning_rate: f64, batch_size: f64) -> f64 {
    let lr = learning_rate.max(1e-9).log10();
    let acc = 0.985 - 0.06 * (lr + 2.0).powi(2) - 0.05 * ((batch_size - 96.0) / 128.0).powi(2);
    acc.clamp(0.1, 0.99)
}

/// Validation accuracy after `epoch` of `epochs` (approaches the final value).
pub fn trial_accuracy_at(learning_rate: f64, batch_size: f64, epoch: u32, epochs: u32) -> f64 {
    let final_acc = trial_accuracy(learning_rate, batch_size);
    let progress = f64::from(epoch) / f64::from(epochs.max(1));
    final_acc * (1.0 - 0.35 * (1.0 - progress).powi(2))
}

/// Training loss of a trial after `epoch`.
pub fn trial_loss_at(learning_rate: f64, batch_size: f64, epoch: u32, epochs: u32) -> f64 {
    let acc = trial_accuracy_at(learning_rate, batch_size, epoch, epochs);
    (1.0 - acc) * 2.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_falls() {
        for e in 1..50 {
            assert!(training_loss(f64::from(e) + 1.0, 7) < training_loss(f64::from(e), 7));
        }
    }

    #[test]
    fn objective_prefers_the_optimum() {
        assert!(trial_accuracy(0.01, 96.0) > trial_accuracy(0.1, 96.0));
        assert!(trial_accuracy(0.01, 96.0) > trial_accuracy(0.01, 256.0));
        assert!(trial_accuracy_at(0.01, 96.0, 5, 5) > trial_accuracy_at(0.01, 96.0, 1, 5));
    }
}
