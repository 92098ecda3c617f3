//! Wall-clock stamps for the samples of a watch: local `HH:MM:SS` for people reading a log, RFC
//! 3339 in UTC for programs reading the JSON lines.

use std::time::{SystemTime, UNIX_EPOCH};

/// `14:03:27` in the local time zone (UTC when the zone cannot be read).
pub fn local_time_of_day(now: SystemTime) -> String {
    let seconds = unix_seconds(now);
    // time_t is 64 bits here but 32 on some targets, where the conversion can fail.
    #[allow(clippy::useless_conversion)]
    let time: libc::time_t = seconds.try_into().unwrap_or(0);
    // SAFETY: an all-zero `tm` is a valid value (integers and a null zone pointer).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `time` and writes only into `tm`, both owned by this frame.
    let converted = unsafe { !libc::localtime_r(&time, &mut tm).is_null() };
    if converted {
        format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
    } else {
        let of_day = seconds.rem_euclid(86_400);
        format!(
            "{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        )
    }
}

/// `2024-05-01T12:00:01.123Z`.
pub fn rfc3339_utc(now: SystemTime) -> String {
    let seconds = unix_seconds(now);
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_millis());
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

fn unix_seconds(now: SystemTime) -> i64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Year, month, day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_stamps_are_rfc3339() {
        let at = |secs: u64, millis: u64| {
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_714_564_801, 123), "2024-05-01T12:00:01.123Z");
    }

    #[test]
    fn local_time_has_the_clock_shape() {
        let text = local_time_of_day(SystemTime::now());
        assert_eq!(text.len(), 8);
        assert_eq!(text.matches(':').count(), 2);
    }
}
