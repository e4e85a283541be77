//! Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`), parsed the way the
//! API server reads them, so forms can reject bad values before submitting.

/// The value of a quantity in base units (cores, bytes), or why it is not one.
pub fn parse(s: &str) -> Result<f64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty".into());
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    let number = &s[..i];
    if i == digits_start
        || number[digits_start..].matches('.').count() > 1
        || number.ends_with('.') && i - digits_start == 1
    {
        return Err(format!("{s:?} does not start with a number"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} does not start with a number"))?;
    let suffix = &s[i..];
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().map_err(|_| format!("{s:?}: bad exponent"))?;
            10f64.powi(exp)
        }
        other => {
            return Err(format!(
                "{s:?}: unknown unit {other:?} (use m, k, M, G, Ki, Mi, Gi, ...)"
            ));
        }
    };
    Ok(value * factor)
}

/// Parses a quantity that must be greater than zero.
pub fn positive(s: &str) -> Result<f64, String> {
    let v = parse(s)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{s:?} must be more than zero"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_api_server() {
        assert_eq!(parse("500m"), Ok(0.5));
        assert_eq!(parse("2"), Ok(2.0));
        assert_eq!(parse("1.5"), Ok(1.5));
        assert_eq!(parse("1Gi"), Ok(1024f64.powi(3)));
        assert_eq!(parse("10G"), Ok(1e10));
        assert_eq!(parse("2e3"), Ok(2000.0));
        assert_eq!(parse(" 3 "), Ok(3.0));
        for bad in ["", "Gi", "1GB", "one", "1..5", "1 Gi", "1.2.3", "."] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(positive("0").is_err());
        assert!(positive("-1").is_err());
    }
}
