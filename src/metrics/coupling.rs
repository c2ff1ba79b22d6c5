//! Coupling as measured: which components sent to which. Dense flags (one byte per
//! ordered pair) while the system is small, as recording a message is on the hot path;
//! per-sender sorted lists beyond that, as a table of every pair is quadratic in the
//! services (10,000 services took 3.9 GB per thread).

/// Up to this many components the pairs are kept densely: a 64 KiB table at most.
const DENSE_COMPONENTS: usize = 256;

#[derive(Debug)]
pub struct CouplingEdges {
    component_count: usize,
    /// `dense[src * component_count + dst]`, when the system is small.
    dense: Vec<bool>,
    /// `sparse[src]`: the destinations src sent to, sorted, when it is not.
    sparse: Vec<Vec<u16>>,
}

impl CouplingEdges {
    pub fn new(component_count: usize) -> Self {
        let dense = component_count <= DENSE_COMPONENTS;
        CouplingEdges {
            component_count,
            dense: if dense {
                vec![false; component_count * component_count]
            } else {
                Vec::new()
            },
            sparse: if dense {
                Vec::new()
            } else {
                vec![Vec::new(); component_count]
            },
        }
    }

    /// A message went from `src` to `dst`.
    #[inline]
    pub fn record(&mut self, src: usize, dst: usize) {
        if self.sparse.is_empty() {
            self.dense[src * self.component_count + dst] = true;
        } else {
            self.record_sparse(src, dst);
        }
    }

    /// Out of line, so that the common dense case stays small enough to inline into
    /// every send.
    #[cold]
    #[inline(never)]
    fn record_sparse(&mut self, src: usize, dst: usize) {
        let destination = u16::try_from(dst).expect("component count is validated");
        let peers = &mut self.sparse[src];
        if let Err(position) = peers.binary_search(&destination) {
            peers.insert(position, destination);
        }
    }

    /// (distinct src→dst edges, largest number of distinct destinations of one sender).
    pub fn counts(&self) -> (u64, u64) {
        let per_sender: Vec<u64> = if self.sparse.is_empty() {
            self.dense
                .chunks(self.component_count.max(1))
                .map(|row| row.iter().filter(|&&sent| sent).count() as u64)
                .collect()
        } else {
            self.sparse.iter().map(|row| row.len() as u64).collect()
        };
        let most = per_sender.iter().copied().max().unwrap_or(0);
        (per_sender.iter().sum(), most)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_count_alike() {
        for count in [4, DENSE_COMPONENTS + 1] {
            let mut edges = CouplingEdges::new(count);
            for (src, dst) in [(0, 1), (0, 2), (0, 1), (2, 3), (3, 0)] {
                edges.record(src, dst);
            }
            assert_eq!(edges.counts(), (4, 2), "{count} components");
        }
    }
}
