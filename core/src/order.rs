//! Stable sorting with one copy of the sort code. `slice::sort_by` is generic,
//! so every element type gets its own copy of the sort (about 4 KB of wasm
//! each). The `slim` (browser) build sorts indices instead, with the
//! comparison behind `dyn`, and moves the elements into place: the same
//! order as `sort_by` (stable), one instantiation. The native build calls
//! `sort_by` directly.

use std::cmp::Ordering;

/// Stable sort of `v` by `cmp` (same result as `slice::sort_by`).
#[allow(clippy::ptr_arg)] // the slim build refills the vector
pub(crate) fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    #[cfg(not(feature = "slim"))]
    v.sort_by(cmp);
    #[cfg(feature = "slim")]
    sort_by_index(v, cmp);
}

/// Stable sort of `v` (same result as `slice::sort`).
pub(crate) fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// Sort of `v` (same result as `slice::sort_unstable`: elements that compare
/// equal are identical for the types sorted with it, so a stable sort gives
/// the same vector). The native build calls `sort_unstable`.
#[allow(clippy::ptr_arg)] // the slim build refills the vector
pub(crate) fn sort_unstable<T: Ord>(v: &mut Vec<T>) {
    #[cfg(not(feature = "slim"))]
    v.sort_unstable();
    #[cfg(feature = "slim")]
    sort_by_index(v, T::cmp);
}

/// [`sort_by`] through a sorted index list.
#[cfg_attr(not(feature = "slim"), allow(dead_code))]
fn sort_by_index<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items: &[T] = v;
        sorted_indices(items.len(), &|a, b| match (items.get(a), items.get(b)) {
            (Some(x), Some(y)) => cmp(x, y),
            _ => Ordering::Equal,
        })
    };
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)));
}

#[cfg_attr(not(feature = "slim"), allow(dead_code))]
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| cmp(*a, *b));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_sort_is_stable_and_matches_std() {
        // Pairs sorted by the first field only: stability decides the order of equals.
        let cases: Vec<Vec<(u8, usize)>> = vec![
            vec![],
            vec![(1, 0)],
            vec![(3, 0), (1, 1), (3, 2), (2, 3), (1, 4), (3, 5)],
            (0..200).map(|i| (((i * 7919) % 13) as u8, i)).collect(),
        ];
        for case in cases {
            let mut want = case.clone();
            want.sort_by_key(|a| a.0);
            let mut got = case.clone();
            sort_by_index(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, want);
            let mut plain = case.clone();
            sort(&mut plain);
            let mut std_plain = case;
            std_plain.sort();
            assert_eq!(plain, std_plain);
        }
    }
}
