//! Sweep grids: `--param KEY=VALUES` (a list `0,0.01,0.05` or a range `10..100:10`), their
//! cartesian product in a fixed order, and `--shard K/N` slices of it.

use crate::report::format_number;

/// One swept key and its values, as the user wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The swept key.
    pub key: String,
    /// Its values, as typed.
    pub values: Vec<String>,
}

const PARAM_FORM: &str = "expected KEY=VALUES, like services.payment.fail=0,0.01,0.05 or workload.arrivals.poisson=10..100:10";

impl Param {
    /// Read `KEY=VALUES` (a list or a range).
    pub fn parse(flag: &str) -> Result<Param, String> {
        let (key, values) = flag
            .split_once('=')
            .ok_or_else(|| format!("{PARAM_FORM}; got `{flag}`"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|part| part.trim().is_empty()) {
            return Err(format!("{PARAM_FORM}; the key `{key}` has an empty part"));
        }
        let values = values.trim();
        let values = if let Some((range, step)) =
            values.split_once(':').filter(|_| values.contains(".."))
        {
            expand_range(range, step).map_err(|why| format!("{PARAM_FORM}; {why} in `{values}`"))?
        } else {
            let list: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
            if list.iter().any(String::is_empty) {
                return Err(format!("{PARAM_FORM}; `{values}` has an empty value"));
            }
            list
        };
        Ok(Param {
            key: key.to_string(),
            values,
        })
    }
}

/// `START..END:STEP`, both ends included.
fn expand_range(range: &str, step: &str) -> Result<Vec<String>, String> {
    let (start, end) = range.split_once("..").ok_or("a range is START..END:STEP")?;
    let number = |text: &str, what: &str| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("the {what} `{text}` is not a number"))
    };
    let (start, end, step) = (
        number(start, "start")?,
        number(end, "end")?,
        number(step, "step")?,
    );
    if step <= 0.0 {
        return Err("the step must be greater than 0".to_string());
    }
    if end < start {
        return Err("the end must not be below the start".to_string());
    }
    // Counted in floating point first: a tiny step over a huge range must be refused, not
    // overflow an integer.
    let count = ((end - start) / step + 1e-9).floor() + 1.0;
    if count.is_nan() || count > 100_000.0 {
        return Err(format!(
            "{} values is too many (at most 100,000)",
            format_number(count)
        ));
    }
    let count = count as u64;
    Ok((0..count)
        .map(|i| format_number(start + i as f64 * step))
        .collect())
}

/// The grid: every combination of the params' values, the first param varying slowest.
pub fn points(params: &[Param]) -> Vec<Vec<String>> {
    let mut points = vec![Vec::new()];
    for param in params {
        points = points
            .into_iter()
            .flat_map(|prefix| {
                param.values.iter().map(move |value| {
                    let mut point = prefix.clone();
                    point.push(value.clone());
                    point
                })
            })
            .collect();
    }
    points
}

/// `--shard K/N`: this job runs the points whose index is K−1 modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index of this shard.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// Read `K/N` (1-based K).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let form = "expected K/N with 1 <= K <= N, like 2/8";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("{form}; got `{text}`"))?;
        let (k, n): (u32, u32) = match (k.trim().parse(), n.trim().parse()) {
            (Ok(k), Ok(n)) => (k, n),
            _ => return Err(format!("{form}; got `{text}`")),
        };
        if k == 0 || n == 0 || k > n {
            return Err(format!("{form}; got `{text}`"));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Whether this shard runs point `point`.
    pub fn owns(&self, point: usize) -> bool {
        point as u64 % u64::from(self.count) == u64::from(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_too_long_to_count_is_refused_not_overflowed() {
        let error = Param::parse("workload.arrivals.poisson=0..1e300:1e-300")
            .err()
            .unwrap_or_default();
        assert!(error.contains("is too many (at most 100,000)"), "{error}");
    }

    #[test]
    fn lists_and_inclusive_ranges() {
        let list =
            Param::parse("services.payment.fail=0,0.01,0.05").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.values, ["0", "0.01", "0.05"]);
        let range =
            Param::parse("workload.arrivals.poisson=10..100:10").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(range.values.len(), 10);
        assert_eq!(range.values.last().map(String::as_str), Some("100"));
        let fractional = Param::parse("x=0..0.3:0.1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fractional.values, ["0", "0.1", "0.2", "0.3"]);
    }

    #[test]
    fn bad_params_say_what_is_expected() {
        for bad in [
            "nokey",
            "=1,2",
            "a..b=1",
            "x=1,,2",
            "x=10..1:1",
            "x=1..10:0",
            "x=a..10:1",
        ] {
            let error = Param::parse(bad).err().unwrap_or_default();
            assert!(error.starts_with("expected KEY=VALUES"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_grid_is_the_cartesian_product_in_order() {
        let params = [
            Param {
                key: "a".into(),
                values: vec!["1".into(), "2".into()],
            },
            Param {
                key: "b".into(),
                values: vec!["x".into(), "y".into(), "z".into()],
            },
        ];
        let grid = points(&params);
        assert_eq!(grid.len(), 6);
        assert_eq!(grid[0], ["1", "x"]);
        assert_eq!(grid[5], ["2", "z"]);
    }

    #[test]
    fn shards_partition_the_grid() {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3")).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        for point in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(point)).count(), 1);
        }
        for bad in ["0/3", "4/3", "1/0", "x", "1-3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
