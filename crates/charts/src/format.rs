//! Number formatting for tick labels, legends and captions.

/// A number with `sig` significant digits, trailing zeros trimmed; scientific notation below 1e-3
/// or from 1e6 in magnitude. `∞` / `−∞` for infinities, `–` for NaN.
pub fn sig(v: f64, sig: usize) -> String {
    if v.is_nan() {
        return "–".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+∞".into() } else { "−∞".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let sig = sig.max(1);
    let mag = v.abs().log10().floor() as i32;
    if !(-3..6).contains(&mag) {
        let s = format!("{:.*e}", sig - 1, v);
        // 1.200e-5 → 1.2e-5
        return match s.split_once('e') {
            Some((m, e)) => format!("{}e{}", trim(m), e),
            None => s,
        };
    }
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    trim(&format!("{:.*}", decimals, v)).to_string()
}

fn trim(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// 4 significant digits: the figure used in captions and legends.
pub fn num(v: f64) -> String {
    sig(v, 4)
}

/// An optional figure (`–` when absent).
pub fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), num)
}

/// dB with 2 decimals (`+∞ dB` when lossless).
pub fn db(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.2} dB"),
        Some(v) => format!("{} dB", sig(v, 4)),
        None => "– dB".into(),
    }
}

/// A percentage: one decimal, 2 significant digits below 0.1 % (`0 %` exactly when zero).
pub fn pct(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p == 0.0 {
        "0 %".into()
    } else if p.abs() >= 0.1 {
        format!("{p:.1} %")
    } else {
        format!("{} %", sig(p, 2))
    }
}

/// An integer with thin-space thousands separators (`1 000 000`).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// Bytes, with `B` / `KiB` / `MiB`.
pub fn bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 {
        format!("{} MiB", sig(b / (1024.0 * 1024.0), 4))
    } else if b >= 1024.0 {
        format!("{} KiB", sig(b / 1024.0, 4))
    } else {
        format!("{} B", sig(b, 6))
    }
}

/// A tick label for a value on an axis spanning `span`: fixed decimals enough to tell ticks
/// about `span / 10` apart (one more than the step needs, trailing zeros trimmed).
pub fn tick(v: f64, span: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() || !span.is_finite() || span <= 0.0 || v.abs() >= 1e6 || span < 1e-4 {
        return sig(v, 4);
    }
    let decimals = (1.0 - (span / 10.0).log10().floor()).max(0.0) as usize;
    let s = format!("{:.*}", decimals.min(12), v);
    let t = trim(&s);
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        assert_eq!(num(0.012345), "0.01235");
        assert_eq!(num(1234.6), "1235");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(num(0.00001234), "1.234e-5");
        assert_eq!(num(2.0e7), "2e7");
        assert_eq!(num(f64::INFINITY), "+∞");
        assert_eq!(db(Some(45.154499)), "45.15 dB");
        assert_eq!(db(Some(f64::INFINITY)), "+∞ dB");
        assert_eq!(pct(0.0123), "1.2 %");
        assert_eq!(pct(0.5), "50.0 %");
        assert_eq!(pct(0.0), "0 %");
        assert_eq!(count(1_000_000), "1\u{2009}000\u{2009}000");
        assert_eq!(count(999), "999");
        assert_eq!(bytes(1032.0), "1.008 KiB");
        assert_eq!(bytes(1000.0), "1000 B");
        assert_eq!(tick(0.25, 2.0), "0.25");
        assert_eq!(tick(-1.5, 4.0), "-1.5");
        assert_eq!(tick(100.0, 1000.0), "100");
    }
}
