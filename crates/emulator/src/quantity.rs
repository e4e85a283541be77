//! Kubernetes resource quantities (`100m`, `2`, `8Gi`, `1e3`), parsed to
//! numbers and formatted back the way the quota controller writes them.

/// Parses a quantity to its value in base units (cores, bytes, counts).
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        s if s.starts_with('e') || s.starts_with('E') => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * mult)
}

/// Formats CPU cores (`27`, `2500m`).
#[allow(dead_code)] // for printing quota usage; not wired yet
pub fn format_cpu(cores: f64) -> String {
    let milli = (cores * 1000.0).round() as i64;
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Formats bytes with the largest exact binary suffix.
#[allow(dead_code)] // for printing quota usage; not wired yet
pub fn format_bytes(bytes: f64) -> String {
    let b = bytes.round() as i64;
    for (suffix, size) in [
        ("Ti", 1i64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if b != 0 && b % size == 0 {
            return format!("{}{suffix}", b / size);
        }
    }
    b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("100m"), Some(0.1));
        assert_eq!(parse("2"), Some(2.0));
        assert_eq!(parse("8Gi"), Some(8.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("x"), None);
        assert_eq!(format_cpu(2.5), "2500m");
        assert_eq!(format_cpu(27.0), "27");
        assert_eq!(format_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3Gi");
        assert_eq!(format_bytes(1536.0 * 1024.0 * 1024.0), "1536Mi");
    }
}
