//! How numbers are shown to people and rounded for JSON: binary byte units (Redis reports bytes;
//! people read MiB), short uptimes, percentages with one decimal, rates with two.

/// `512 B`, `919.6 KiB`, `1.2 MiB`, `3.0 GiB`.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if value < 1024 {
        return format!("{value} B");
    }
    let mut scaled = value as f64 / 1024.0;
    let mut unit = 0;
    while scaled >= 1024.0 && unit + 1 < UNITS.len() {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{scaled:.1} {}", UNITS[unit])
}

/// `42s`, `5m 07s`, `3h 12m`, `12d 4h`: the two largest units are enough to judge a restart.
pub fn uptime(seconds: u64) -> String {
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

/// `part` as a percentage of `whole`, one decimal; 0.0 when `whole` is 0 (the app's rule for a
/// hit rate with no requests).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    round1(part as f64 * 100.0 / whole as f64)
}

/// The hit rate of `hits` and `misses`, summed without overflow (a counter near u64::MAX is
/// absurd, but its rate must not become nonsense).
pub fn hit_rate(hits: u64, misses: u64) -> f64 {
    let whole = u128::from(hits) + u128::from(misses);
    if whole == 0 {
        return 0.0;
    }
    round1(hits as f64 * 100.0 / whole as f64)
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_units_are_binary() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(941_680), "919.6 KiB");
        assert_eq!(bytes(256 * 1024 * 1024), "256.0 MiB");
        assert_eq!(bytes(u64::MAX), "16384.0 PiB");
    }

    #[test]
    fn uptimes_show_two_units() {
        assert_eq!(uptime(0), "0s");
        assert_eq!(uptime(307), "5m 07s");
        assert_eq!(uptime(3 * 3600 + 12 * 60 + 5), "3h 12m");
        assert_eq!(uptime(12 * 86_400 + 4 * 3600), "12d 4h");
    }

    #[test]
    fn percentages_round_to_one_decimal_and_zero_without_requests() {
        assert_eq!(percent(7, 10), 70.0);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(u64::MAX, u64::MAX), 100.0);
        assert_eq!(hit_rate(u64::MAX, u64::MAX), 50.0);
        assert_eq!(hit_rate(0, 0), 0.0);
        assert_eq!(hit_rate(2, 1), 66.7);
    }
}
