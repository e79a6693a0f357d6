//! Numbers for people (the page's tables, the CLI's human tables and the PDF report): `N` decimals
//! with trailing zeros trimmed (a value too small for them keeps its significant digits), or the
//! shortest repr that round-trips.

/// How many decimals a number is shown with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// N decimals, trailing zeros trimmed.
    Decimals(usize),
    /// Shortest repr that round-trips.
    Full,
}

/// Shown where a value is absent (e.g. the percentage error at x = 0): the one empty-cell mark of
/// the page, the CLI and the PDF (the CSV leaves the cell empty).
pub const NA: &str = "n/a";

/// Formats numbers for people: the one formatter of the page's tables ([`crate::table::Cell`]), the
/// CLI's and the PDF's ([`crate::tables`]).
#[derive(Clone, Copy, Debug)]
pub struct Num(pub Precision);

/// A number of decimals, as the page's precision field gives it.
impl From<u8> for Num {
    fn from(decimals: u8) -> Self {
        Num(Precision::Decimals(usize::from(decimals)))
    }
}

impl Num {
    /// A finite or infinite float: `N` decimals, trailing zeros (and a trailing `.`) trimmed,
    /// `-0` shown as `0`. A non-zero value too small to show at `N` decimals is shown with `N`
    /// significant digits in scientific notation instead of as `0`. Infinities are `+inf` / `-inf`.
    pub fn f(&self, v: f64) -> String {
        if v.is_nan() {
            return "NaN".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "+inf".into() } else { "-inf".into() };
        }
        match self.0 {
            Precision::Full => crate::format_f64(v),
            Precision::Decimals(n) => {
                let s = trim(format!("{v:.n$}"));
                if s == "0" && v != 0.0 {
                    scientific(v, n.max(1))
                } else {
                    s
                }
            }
        }
    }

    /// An optional float (`n/a` when absent).
    pub fn opt(&self, v: Option<f64>) -> String {
        v.map_or_else(|| NA.to_string(), |v| self.f(v))
    }

    /// An SQNR in dB: `42.5 dB`, `+inf dB` when the error is zero.
    pub fn db(&self, v: Option<f64>) -> String {
        v.map_or_else(|| NA.to_string(), |v| format!("{} dB", self.f(v)))
    }

    /// A rate in [0, 1] as a percentage.
    pub fn pct(&self, rate: Option<f64>) -> String {
        rate.map_or_else(|| NA.to_string(), |r| format!("{}%", self.f(r * 100.0)))
    }
}

/// Trims trailing zeros after a decimal point, then the point; `-0` becomes `0`.
fn trim(s: String) -> String {
    let t = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s.as_str() };
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// `digits` significant digits in scientific notation, trailing zeros trimmed: `1.5e-10`.
fn scientific(v: f64, digits: usize) -> String {
    let s = format!("{:.*e}", digits - 1, v);
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim(mantissa.to_string())),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        let n = Num(Precision::Decimals(8));
        assert_eq!(n.f(0.008627450980392157), "0.00862745");
        assert_eq!(n.f(0.7333333333333334), "0.73333333");
        assert_eq!(n.f(-0.21333333333333335), "-0.21333333");
        assert_eq!(n.f(1.0), "1");
        assert_eq!(n.f(-1.2), "-1.2");
        assert_eq!(n.f(96.0), "96");
        assert_eq!(n.f(-0.0), "0");
        assert_eq!(n.f(-1e-12), "-1e-12");
        assert_eq!(n.f(1.5e-10), "1.5e-10");
        assert_eq!(n.f(f64::INFINITY), "+inf");
        assert_eq!(n.f(f64::NEG_INFINITY), "-inf");
        assert_eq!(Num(Precision::Decimals(0)).f(2.5), "2");
        assert_eq!(Num(Precision::Decimals(0)).f(0.2), "2e-1");
        assert_eq!(Num(Precision::Decimals(2)).f(1234.5678), "1234.57");
    }

    #[test]
    fn full() {
        let n = Num(Precision::Full);
        assert_eq!(n.f(0.008627450980392156), "0.008627450980392156");
        assert_eq!(n.f(1.0), "1");
        assert_eq!(n.f(1e-7), "1e-7");
        assert_eq!(n.f(f64::INFINITY), "+inf");
    }

    #[test]
    fn decorations() {
        let n = Num(Precision::Decimals(2));
        assert_eq!(n.db(Some(f64::INFINITY)), "+inf dB");
        assert_eq!(n.db(Some(41.256)), "41.26 dB");
        assert_eq!(n.db(None), "n/a");
        assert_eq!(n.pct(Some(0.25)), "25%");
        assert_eq!(n.opt(None), "n/a");
    }
}
