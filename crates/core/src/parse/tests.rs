use super::number::{is_separator, scan};
use super::tensor_rows::tensor_in_halves;
use super::values_list::values_in_halves;
use super::*;
use crate::analysis::ParamSource;
use crate::error::ParseError;
use crate::exact::Decimal;

#[test]
fn numbers() {
    for (text, value) in [("1e-3", 1e-3), ("-.5", -0.5), ("+2", 2.0), ("5.", 5.0), ("-0.21", -0.21), ("1E+2", 100.0)] {
        assert_eq!(parse_number(text).unwrap().value, value, "{text}");
    }
    assert!(parse_number("nan").unwrap().value.is_nan());
    assert_eq!(parse_number("-inf").unwrap().value, f64::NEG_INFINITY);
    assert_eq!(parse_number("+Infinity").unwrap().value, f64::INFINITY);
    for bad in ["", "-", ".", "1e", "1e+", "0x10", "1_000", "1..2", "--1", "1.2.3", "e5", "nan1", "½", "1,5"] {
        assert!(parse_number(bad).is_none(), "{bad}");
    }
    // Correct rounding to the last bit (a classic hard case).
    assert_eq!(parse_number("2.2250738585072011e-308").unwrap().value, 2.225_073_858_507_201e-308);
    assert_eq!(parse_number("0.1").unwrap().value.to_bits(), 0.1f64.to_bits());
}

/// The syntax as it was checked before the one-pass [`scan`]: the oracle of the property below.
fn reference_well_formed(token: &str) -> bool {
    let b = token.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let rest = &token[i..];
    if rest.eq_ignore_ascii_case("nan") || rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
        return true;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa_digits = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa_digits += digits(&mut i);
    }
    if mantissa_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
    /// One read gives what the syntax check and `Decimal::parse` gave, token for token, and
    /// finds the token's end at the first separator.
    #[test]
    fn scan_agrees_with_syntax_check_and_decimal(
        token in "[-+]?([0-9]{0,22}[.]?[0-9]{0,22}([eE][-+]?[0-9]{0,9})?|0{0,12}[.]?0{0,12}[1-9][0-9]{0,20}|(?i:nan|inf|infinity)|[0-9a-z.+-]{0,6})",
        tail in "([ ,\t][ ,0-9]{0,3})?",
    ) {
        let text = format!("{token}{tail}");
        let s = scan(text.as_bytes(), 0);
        let end = text.find(|c: char| is_separator(c as u8) && c.is_ascii()).unwrap_or(text.len());
        proptest::prop_assert_eq!(s.end, end);
        let token = &text[..end];
        proptest::prop_assert_eq!(s.number, reference_well_formed(token), "{}", token);
        if s.number {
            proptest::prop_assert_eq!(s.exact, Decimal::parse(token), "{}", token);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1500))]
    /// Parsed in two halves on two threads (as from 1 MiB of text), a text gives what it gives
    /// parsed whole: values, decimals, channel names and lines, non-finite locations, or the
    /// same first error.
    #[test]
    fn halves_give_what_the_whole_gives(
        lines in proptest::collection::vec("(([a-c]{1,2}: )?((-?[0-9]{1,3}(\\.[0-9]{1,3})?|nan|-inf|x)[ ,]{1,2}){0,4}(; )?){0,3}(# c)?", 0..12),
    ) {
        let text = lines.join("\n");
        // Compared as printed: NaN is not equal to itself.
        let same = |a: Result<ParsedTensor, ParseError>, b: Result<ParsedTensor, ParseError>| format!("{a:?}") == format!("{b:?}");
        proptest::prop_assert!(same(tensor_in_halves(&text, "t", 0), tensor_in_halves(&text, "t", usize::MAX)), "{:?}", text);
        proptest::prop_assert!(same(values_in_halves(&text, "v", 0), values_in_halves(&text, "v", usize::MAX)), "{:?}", text);
    }
}

#[test]
fn tensor_layouts() {
    let p = parse_tensor("# weights\n0.12, -0.33 0.48\n\nb: 1,2;3 4\n", "w").unwrap();
    let t = &p.tensor;
    assert_eq!(t.channel_names, vec!["ch0", "b", "ch2"]);
    assert_eq!(t.channel_len(0), 3);
    assert_eq!(t.channel_len(2), 2);
    assert_eq!(p.channel_lines, vec![2, 4, 4]);
    assert_eq!(t.data.get(1), -0.33);
    assert_eq!(t.decimal(1), Decimal::parse("-0.33"));
}

#[test]
fn located_errors() {
    let e = parse_tensor("1, 2, 3\n4, 0.3x, 6", "w").unwrap_err();
    assert_eq!((e.line, e.column, e.text.as_str()), (2, 4, "0.3x"));
    assert_eq!(e.to_string(), "line 2, column 4: not a number `0.3x` (expected a number such as 0.25, -.5, 1e-3, +2, nan or inf)");
    let e = parse_tensor("1,,2", "w").unwrap_err();
    assert_eq!((e.line, e.column), (1, 3));
    let e = parse_tensor("a:\n", "w").unwrap_err();
    assert_eq!(e.line, 1);
    let e = parse_tensor("é: 1, x", "w").unwrap_err();
    assert_eq!(e.column, 7, "columns count characters, not bytes");
    assert!(parse_tensor("  # nothing\n\n", "w").is_err());
}

#[test]
fn nonfinite_values_are_kept_and_located() {
    let p = parse_values("1, nan\n-inf 2", "v").unwrap();
    assert_eq!(p.tensor.len(), 4);
    assert_eq!(
        p.nonfinite,
        vec![ValueLocation { channel: 0, index: 1, line: 1, column: 4 }, ValueLocation { channel: 0, index: 2, line: 2, column: 1 },]
    );
}

#[test]
fn channel_lines() {
    let text = "channel,min,max,sample\nfilter_0,-1.2,1,0.73\nfilter_1, -0.8, 0.9, -0.21\n";
    let p = parse_channel_lines(text, LineMode::MinMax, "conv").unwrap();
    assert_eq!(p.samples.tensor.channel_names, vec!["filter_0", "filter_1"]);
    match &p.params {
        ParamSource::PerChannelRange(r) => {
            assert_eq!((r[1].min, r[1].max), (-0.8, 0.9));
            assert_eq!(r[1].min_exact, Decimal::parse("-0.8"));
        }
        other => panic!("{other:?}"),
    }
    let e = parse_channel_lines("a,2,1,0", LineMode::MinMax, "t").unwrap_err();
    assert_eq!((e.column, e.problem.as_str()), (3, "min is greater than max"));
    let e = parse_channel_lines("a,1,2", LineMode::MinMax, "t").unwrap_err();
    assert_eq!(e.problem, "3 field(s)");
    let e = parse_channel_lines("a,0.1,1.5,0", LineMode::Manual, "t").unwrap_err();
    assert_eq!((e.column, e.text.as_str()), (7, "1.5"));
    let e = parse_channel_lines("a,nan,1,0", LineMode::MinMax, "t").unwrap_err();
    assert_eq!(e.problem, "min must be finite");
    let p = parse_channel_lines("a,0.1,-3,0.5,0.7", LineMode::Manual, "t").unwrap();
    assert_eq!(p.samples.tensor.channel_len(0), 2);
}

#[test]
fn ranges() {
    let r = parse_range("-1.5:1.5").unwrap();
    assert_eq!((r.min, r.max), (-1.5, 1.5));
    assert_eq!(parse_range(" -1 : 2 ").unwrap().max, 2.0);
    assert_eq!(parse_range("1:x").unwrap_err().column, 3);
    assert!(parse_range("2:1").is_err());
    assert!(parse_range("1.5").is_err());
}
