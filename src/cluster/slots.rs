//! Hash slots: the 16384 parts of a cluster's keyspace, as sets of ranges (a master's share, the
//! slots nobody serves), shown the way redis-cli shows them (`0-5460,10923`). The probe keys of
//! verify get a hash tag whose slot a given master owns; the slot of a key is the redis crate's
//! (`Slot::for_key`), the same function its cluster client routes by.

use std::fmt;

use redis::cluster_routing::Slot;

/// How many hash slots a cluster has.
pub const SLOT_COUNT: u32 = 16384;

/// A set of slots as sorted, disjoint, inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slots(Vec<(u16, u16)>);

impl Slots {
    /// The set of these ranges (in any order, overlapping or not); slots past 16383 are dropped.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u16, u16)>) -> Slots {
        let last = (SLOT_COUNT - 1) as u16;
        let mut ranges: Vec<(u16, u16)> = ranges
            .into_iter()
            .filter(|(start, end)| start <= end && *start <= last)
            .map(|(start, end)| (start, end.min(last)))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(prev) if u32::from(start) <= u32::from(prev.1) + 1 => prev.1 = prev.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Slots(merged)
    }

    pub fn all() -> Slots {
        Slots(vec![(0, (SLOT_COUNT - 1) as u16)])
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub fn count(&self) -> u32 {
        self.0
            .iter()
            .map(|(start, end)| u32::from(end - start) + 1)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The slots of `self` that are not in `other`.
    pub fn minus(&self, other: &Slots) -> Slots {
        let mut left = Vec::new();
        for &(start, end) in &self.0 {
            let mut from = u32::from(start);
            for &(o_start, o_end) in &other.0 {
                let (o_start, o_end) = (u32::from(o_start), u32::from(o_end));
                if o_end < from || o_start > u32::from(end) {
                    continue;
                }
                if o_start > from {
                    left.push((from as u16, (o_start - 1) as u16));
                }
                from = o_end + 1;
            }
            if from <= u32::from(end) {
                left.push((from as u16, end));
            }
        }
        Slots(left)
    }

    /// The slots in either set.
    pub fn union(&self, other: &Slots) -> Slots {
        Slots::from_ranges(self.0.iter().chain(&other.0).copied())
    }

    /// The slots in both sets.
    #[cfg(test)]
    pub fn intersect(&self, other: &Slots) -> Slots {
        self.minus(&self.minus(other))
    }
}

impl fmt::Display for Slots {
    /// `0-5460,10923`; `none` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(start, end)| match start == end {
                true => start.to_string(),
                false => format!("{start}-{end}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A hash tag whose slot is one of `slots`: `{N}` for the smallest number N that lands there,
/// so the same master gets the same tag on every run. None for an empty set.
pub fn probe_tag(slots: &Slots) -> Option<String> {
    if slots.is_empty() {
        return None;
    }
    // A slot's number is not public in the crate, only its equality; each try costs one
    // comparison per owned slot and a master of k slots needs about 16384 / k tries, so any
    // master costs about 16384 comparisons.
    let owned: Vec<Slot> = slots
        .ranges()
        .iter()
        .flat_map(|&(start, end)| start..=end)
        .filter_map(Slot::new)
        .collect();
    (0u32..SLOT_COUNT * 64)
        .map(|n| n.to_string())
        .find(|tag| owned.contains(&Slot::for_key(tag)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges_merge_and_show_like_redis_cli() {
        let slots = Slots::from_ranges([(10923, 16383), (0, 5460), (5461, 5461), (7, 9)]);
        assert_eq!(slots.to_string(), "0-5461,10923-16383");
        assert_eq!(slots.count(), 5462 + 5461);
        assert_eq!(Slots::default().to_string(), "none");
        assert_eq!(Slots::all().count(), SLOT_COUNT);
    }

    #[test]
    fn set_arithmetic() {
        let all = Slots::all();
        let a = Slots::from_ranges([(0, 5460), (10923, 16383)]);
        assert_eq!(all.minus(&a).to_string(), "5461-10922");
        assert_eq!(a.minus(&all), Slots::default());
        assert_eq!(
            a.intersect(&Slots::from_ranges([(5000, 11000)]))
                .to_string(),
            "5000-5460,10923-11000"
        );
        assert_eq!(a.union(&all.minus(&a)), all);
    }

    #[test]
    fn a_probe_tag_lands_on_the_master_it_was_made_for() {
        // The slot of "{tag}..." is the slot of "tag" (the Redis Cluster spec's hash tags).
        for slots in [
            Slots::from_ranges([(0, 5460)]),
            Slots::from_ranges([(10923, 16383)]),
            Slots::from_ranges([(16383, 16383)]),
            Slots::from_ranges([(1, 1), (9000, 9001)]),
        ] {
            let tag = probe_tag(&slots).expect("a tag");
            let key = format!("imcache:verify:{{{tag}}}:abc");
            let slot = Slot::for_key(&key);
            assert!(
                slots
                    .ranges()
                    .iter()
                    .flat_map(|&(s, e)| s..=e)
                    .any(|s| Slot::new(s) == Some(slot)),
                "{key} is not in {slots}"
            );
        }
        assert_eq!(probe_tag(&Slots::default()), None);
    }

    #[test]
    fn the_crate_hashes_as_the_cluster_spec_says() {
        // CRC16/XMODEM("123456789") = 0x31C3, the spec's test vector; 0x31C3 % 16384 = 12739.
        assert_eq!(Slot::for_key("123456789"), Slot::new(12739).unwrap());
        assert_eq!(Slot::for_key("{123456789}x"), Slot::new(12739).unwrap());
    }

    proptest! {
        #[test]
        fn minus_and_union_partition_the_slots(
            a in proptest::collection::vec((0u16..16384, 0u16..200), 0..8),
            b in proptest::collection::vec((0u16..16384, 0u16..200), 0..8),
        ) {
            let a = Slots::from_ranges(a.into_iter().map(|(s, l)| (s, s.saturating_add(l))));
            let b = Slots::from_ranges(b.into_iter().map(|(s, l)| (s, s.saturating_add(l))));
            let only_a = a.minus(&b);
            prop_assert_eq!(only_a.count() + a.intersect(&b).count(), a.count());
            prop_assert_eq!(only_a.union(&b), a.union(&b));
            prop_assert_eq!(only_a.intersect(&b), Slots::default());
        }
    }
}
