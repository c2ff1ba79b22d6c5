//! Replication statistics: mean and the half-width of the 95 % Student-t interval.

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish–Fisher expansion around the normal quantile; error < 1e-4 for df > 30.
            let z: f64 = 1.959_963_985;
            let n = df as f64;
            z + (z.powi(3) + z) / (4.0 * n)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

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
