//! Replication statistics: mean and the half-width of the 95 % Student-t interval.

pub use crate::metrics::t_975;

/// Mean of the values, in order (a sequential sum: the result never depends on threads).
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Half-width of the 95 % confidence interval of the mean; `None` for fewer than 2 values.
pub fn ci95_half_width(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = mean(values)?;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some(t_975(n - 1) * (variance / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert_eq!(t_975(1), 12.706);
        assert_eq!(t_975(9), 2.262);
        assert!((t_975(60) - 2.000).abs() < 1e-3);
        assert!((t_975(120) - 1.980).abs() < 1e-3);
    }

    #[test]
    fn ci_of_a_known_sample() {
        // mean 3, sd 1.5811, n 5: 2.776 * 1.5811 / sqrt(5) = 1.9630
        let half = ci95_half_width(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap_or_default();
        assert!((half - 1.9630).abs() < 1e-3, "{half}");
        assert_eq!(ci95_half_width(&[1.0]), None);
    }
}
