//! Unicode case conversion: exactly `str::to_lowercase`/`to_uppercase` and
//! `char::to_lowercase`/`to_uppercase` (full mappings such as `ß` → `SS`, and
//! the final-sigma rule). The native build calls the standard library. The
//! `slim` (browser) build reads tables that `core/build.rs` computes from that
//! same standard library at build time (same compiler, same Unicode version),
//! packed as runs: about 5 KB instead of the standard library's 24 KB. A test
//! compares every character, and the final-sigma rule around every character.

#[cfg(not(feature = "slim"))]
pub(crate) use std_case::{lower, lower_char, upper, upper_char};

#[cfg(feature = "slim")]
pub(crate) use slim::{lower, lower_char, upper, upper_char};

#[cfg(not(feature = "slim"))]
#[allow(clippy::disallowed_methods)] // the one place the native build calls them (core/clippy.toml)
mod std_case {
    /// `s.to_lowercase()`.
    pub(crate) fn lower(s: &str) -> String {
        s.to_lowercase()
    }

    /// `s.to_uppercase()`.
    pub(crate) fn upper(s: &str) -> String {
        s.to_uppercase()
    }

    /// `c.to_lowercase()`.
    pub(crate) fn lower_char(c: char) -> impl Iterator<Item = char> {
        c.to_lowercase()
    }

    /// `c.to_uppercase()`.
    pub(crate) fn upper_char(c: char) -> impl Iterator<Item = char> {
        c.to_uppercase()
    }
}

#[cfg(feature = "slim")]
mod slim {
    mod tables {
        include!(concat!(env!("OUT_DIR"), "/case_tables.rs"));
    }

    /// Low 21 bits of a run's first word: its first character.
    const START: u32 = 0x1F_FFFF;

    /// The mapping of `c` in `runs`/`multi` (see core/build.rs): one to three
    /// characters.
    fn map(c: char, runs: &[[u32; 2]], multi: &[[u16; 4]]) -> impl Iterator<Item = char> {
        let cp = u32::from(c);
        let mut out = [c, '\0', '\0'];
        let mut len = 1;
        let at = runs.partition_point(|[first, _]| first & START <= cp);
        let run = at.checked_sub(1).and_then(|i| runs.get(i));
        let single = run.and_then(|[first, second]| {
            let offset = cp - (first & START);
            let stride = (second & 1) + 1;
            let count = (first >> 21) + 1;
            (offset % stride == 0 && offset / stride < count)
                .then(|| cp.checked_add_signed((*second as i32) >> 1).and_then(char::from_u32))
                .flatten()
        });
        if let Some(m) = single {
            out = [m, '\0', '\0'];
        } else if let Some([_, to @ ..]) = u16::try_from(cp)
            .ok()
            .and_then(|k| multi.binary_search_by_key(&k, |[from, ..]| *from).ok())
            .and_then(|i| multi.get(i))
        {
            len = 0;
            for (slot, t) in out.iter_mut().zip(to.iter().filter(|t| **t != 0)) {
                *slot = char::from_u32(u32::from(*t)).unwrap_or(c);
                len += 1;
            }
        }
        out.into_iter().take(len)
    }

    /// `s.to_lowercase()`.
    pub(crate) fn lower(s: &str) -> String {
        if s.is_ascii() {
            return s.to_ascii_lowercase();
        }
        let mut out = String::with_capacity(s.len());
        for (i, c) in s.char_indices() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else if c == 'Σ' {
                out.push(if final_sigma(s, i) { 'ς' } else { 'σ' });
            } else {
                out.extend(map(c, tables::LOWER_RUNS, tables::LOWER_MULTI));
            }
        }
        out
    }

    /// `s.to_uppercase()`.
    pub(crate) fn upper(s: &str) -> String {
        if s.is_ascii() {
            return s.to_ascii_uppercase();
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                out.push(c.to_ascii_uppercase());
            } else {
                out.extend(map(c, tables::UPPER_RUNS, tables::UPPER_MULTI));
            }
        }
        out
    }

    /// `c.to_lowercase()`.
    pub(crate) fn lower_char(c: char) -> impl Iterator<Item = char> {
        map(c, tables::LOWER_RUNS, tables::LOWER_MULTI)
    }

    /// `c.to_uppercase()`.
    pub(crate) fn upper_char(c: char) -> impl Iterator<Item = char> {
        map(c, tables::UPPER_RUNS, tables::UPPER_MULTI)
    }

    /// Unicode's Final_Sigma condition for the `Σ` at byte `i` of `s`, as the
    /// standard library reads it: a cased letter before (case-ignorable
    /// characters skipped) and none after.
    fn final_sigma(s: &str, i: usize) -> bool {
        let before = s.get(..i).unwrap_or_default();
        let after = s.get(i + 'Σ'.len_utf8()..).unwrap_or_default();
        cased_after_ignorable(before.chars().rev()) && !cased_after_ignorable(after.chars())
    }

    fn cased_after_ignorable(chars: impl Iterator<Item = char>) -> bool {
        chars.map(sigma_class).find(|class| *class != 1) == Some(2)
    }

    /// 0 other, 1 case-ignorable, 2 cased and not case-ignorable.
    fn sigma_class(c: char) -> u32 {
        // `first character << 2 | class` per change of class, decoded once
        // (only strings with a `Σ` need it).
        static CHANGES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
        let changes = CHANGES.get_or_init(|| {
            let mut out = Vec::new();
            let (mut at, mut n, mut shift) = (0u32, 0u32, 0u32);
            for b in tables::SIGMA_CLASSES {
                n |= u32::from(b & 0x7F).checked_shl(shift).unwrap_or(0);
                shift += 7;
                if b & 0x80 == 0 {
                    at = at.saturating_add(n >> 2);
                    out.push((at << 2) | (n & 3));
                    (n, shift) = (0, 0);
                }
            }
            out
        });
        let cp = u32::from(c);
        let at = changes.partition_point(|e| e >> 2 <= cp);
        at.checked_sub(1).and_then(|i| changes.get(i)).map_or(0, |e| e & 3)
    }

    #[cfg(test)]
    #[allow(clippy::disallowed_methods)] // compared with the standard library on purpose
    mod tests {
        use super::{lower, lower_char, upper, upper_char};

        #[test]
        fn every_character_maps_as_the_standard_library_does() {
            let mut mapped = 0;
            for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
                let (l, u): (String, String) = (lower_char(c).collect(), upper_char(c).collect());
                assert_eq!(l, c.to_lowercase().collect::<String>(), "lower U+{:04X}", u32::from(c));
                assert_eq!(u, c.to_uppercase().collect::<String>(), "upper U+{:04X}", u32::from(c));
                mapped += usize::from(l != c.to_string()) + usize::from(u != c.to_string());
            }
            // The tables are not empty (thousands of letters change case).
            assert!(mapped > 2500, "{mapped}");
        }

        #[test]
        fn final_sigma_around_every_character_as_the_standard_library() {
            // Σ after `c` alone and after `Ac`; before `c` alone and before `cb`.
            let mut s = String::new();
            for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
                for (prefix, suffix) in [("", "Σ"), ("A", "Σ"), ("AΣ", ""), ("AΣ", "b")] {
                    s.clear();
                    s.push_str(prefix);
                    s.push(c);
                    s.push_str(suffix);
                    assert!(lower(&s) == s.to_lowercase(), "U+{:04X} in {s}", u32::from(c));
                }
            }
        }

        #[test]
        fn strings_as_the_standard_library() {
            let cases = [
                "", "ascii Only", "Straße", "STRASSE", "İstanbul", "ΌΣΟΣ ΣΑΣ", "Σ", "ΑΣ.", "ΑΣ'Α", "ﬁ ﬀ ﬃ ǅ ǈ",
                "ᾳ ᾼ ŉ ǰ ΐ", "Ωμέγα", "𐐀𐐨 Deseret", "Ǆemal", "ⓐⒶ", "ǲ", "ㅤ中文 ÀÉÎÕÜ", "ΣΣΣ", "a\u{301}Σ\u{301}",
            ];
            for s in cases {
                assert_eq!(lower(s), s.to_lowercase(), "{s}");
                assert_eq!(upper(s), s.to_uppercase(), "{s}");
            }
        }
    }
}
