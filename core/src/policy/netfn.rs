//! `ipRangeContains` (the encoding functions are in `crate::template_fns::encoding`).

use super::eval::{err, EResult, Fail};
use std::net::IpAddr;

fn parse_range(s: &str) -> EResult<(u128, u32, bool)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().map_err(|_| Fail::Error(format!("`{s}` is not an IP address or range")))?;
    let (n, width, v6) = match ip {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32u32, false),
        IpAddr::V6(v) => (u128::from(v), 128u32, true),
    };
    let prefix = match bits {
        Some(b) => b.trim().parse::<u32>().ok().filter(|p| *p <= width).ok_or_else(|| Fail::Error(format!("`{s}` has a bad prefix length")))?,
        None => width,
    };
    Ok((n, width - prefix, v6))
}

/// `ipRangeContains(range, target)`: `target` (an address or a range) lies
/// within `range`; both must be of the same IP family.
pub(crate) fn ip_range_contains(range: &str, target: &str) -> EResult<bool> {
    // text that is not an address is simply not contained
    let (Ok((rn, rhost, r6)), Ok((tn, thost, t6))) = (parse_range(range), parse_range(target)) else {
        return Ok(false);
    };
    if r6 != t6 {
        return err(format!("`{range}` and `{target}` are of different IP families"));
    }
    if thost > rhost {
        return Ok(false);
    }
    let mask = if rhost >= 128 { 0 } else { u128::MAX << rhost };
    Ok(rn & mask == tn & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_ranges() {
        assert!(ip_range_contains("10.0.0.0/8", "10.1.2.3").unwrap());
        assert!(!ip_range_contains("10.0.0.0/8", "11.0.0.1").unwrap());
        assert!(ip_range_contains("10.0.0.0/16", "10.0.4.0/24").unwrap());
        assert!(!ip_range_contains("10.0.4.0/24", "10.0.0.0/16").unwrap());
        assert!(ip_range_contains("fe80::/10", "fe80::1").unwrap());
        assert!(ip_range_contains("10.0.0.0/8", "fe80::1").is_err());
        assert!(!ip_range_contains("not-a-cidr", "10.0.0.1").unwrap());
    }
}
