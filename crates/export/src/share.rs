//! Share links: the whole form state in the URL fragment (never sent to a server).
//!
//! The state is serialized as JSON (serde), compressed (raw deflate, `miniz_oxide`), and written
//! in base64url without padding, after a version tag: `share=1.<data>`. Decoding accepts the
//! fragment with or without its `#`. A state whose fragment would be longer than
//! [`MAX_FRAGMENT_CHARS`] is refused with [`ShareError::TooLarge`] rather than producing a link
//! that browsers, chat programs or servers may cut. Compression stops as soon as its output is
//! several times too large, so a huge state (a million values typed) is refused at once instead of
//! being compressed whole for nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use quantscope_core::tools::ToolOptions;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The longest fragment produced (characters after `#`).
pub const MAX_FRAGMENT_CHARS: usize = 8000;
/// The key of the fragment.
pub const KEY: &str = "share=";
/// The version tag of the encoding.
pub const VERSION: &str = "1.";
/// The largest decompressed state accepted (a guard against crafted links).
const MAX_JSON_BYTES: usize = 8 << 20;
/// Compressed bytes after which compression stops (the link is too large whatever follows); below
/// it, a refusal gives the exact size.
const STOP_AFTER_BYTES: usize = 4 * MAX_FRAGMENT_CHARS;

/// The state a link carries: the open tool, its options, and the text typed in each input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShareState {
    /// `channels`, `tensor` or `values`.
    pub tool: String,
    /// Every option of the tool.
    pub options: ToolOptions,
    /// The input texts by tool (`channels`, `tensor`, `values`).
    pub inputs: BTreeMap<String, String>,
}

/// Why a state cannot become a link, or a fragment is not a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment would be longer than the limit.
    TooLarge {
        /// Its length in characters (a lower bound when not `exact`).
        chars: usize,
        /// The limit.
        limit: usize,
        /// Whether `chars` is the exact length (false: compression stopped early, the fragment
        /// would be longer still).
        exact: bool,
    },
    /// The fragment is not a quantscope link (or is damaged): what is wrong with it.
    Invalid(String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::TooLarge { chars, limit, exact } => {
                let more = if *exact { "" } else { "more than " };
                write!(f, "too large for a link: {more}{chars} characters (at most {limit}); use Export instead")
            }
            ShareError::Invalid(why) => write!(f, "not a quantscope link: {why}"),
        }
    }
}

impl std::error::Error for ShareError {}

fn invalid(why: impl Into<String>) -> ShareError {
    ShareError::Invalid(why.into())
}

/// Characters of a fragment whose data is `bytes` compressed bytes.
fn fragment_chars(bytes: usize) -> usize {
    KEY.len() + VERSION.len() + (bytes * 4).div_ceil(3)
}

/// Raw deflate at level 9 (the bytes of `miniz_oxide::deflate::compress_to_vec(input, 9)`),
/// stopping once the output reaches `max_out` bytes: `Err` with the bytes written by then.
fn deflate_bounded(mut input: &[u8], max_out: usize) -> Result<Vec<u8>, usize> {
    use miniz_oxide::deflate::core::{compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus};
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(9, 0, 0));
    let mut output = vec![0; max_out];
    let mut out_pos = 0;
    loop {
        let (status, bytes_in, bytes_out) = compress(&mut compressor, input, &mut output[out_pos..], TDEFLFlush::Finish);
        out_pos += bytes_out;
        match status {
            TDEFLStatus::Done => {
                output.truncate(out_pos);
                return Ok(output);
            }
            TDEFLStatus::Okay if out_pos < max_out && bytes_in <= input.len() => input = &input[bytes_in..],
            _ => return Err(out_pos),
        }
    }
}

/// Encodes a state as a fragment `share=1.<data>` (without the `#`).
pub fn encode<T: Serialize>(state: &T) -> Result<String, ShareError> {
    let json = serde_json::to_vec(state).map_err(|e| invalid(e.to_string()))?;
    let compressed = deflate_bounded(&json, STOP_AFTER_BYTES).map_err(|bytes| ShareError::TooLarge {
        chars: fragment_chars(bytes),
        limit: MAX_FRAGMENT_CHARS,
        exact: false,
    })?;
    let fragment = format!("{KEY}{VERSION}{}", URL_SAFE_NO_PAD.encode(compressed));
    let chars = fragment.len();
    if chars > MAX_FRAGMENT_CHARS {
        return Err(ShareError::TooLarge { chars, limit: MAX_FRAGMENT_CHARS, exact: true });
    }
    Ok(fragment)
}

/// Whether a URL fragment (with or without `#`) looks like a share link (to tell it apart from the
/// plain tool fragments such as `#values`).
pub fn is_share(fragment: &str) -> bool {
    fragment.trim_start_matches('#').starts_with(KEY)
}

/// Decodes a fragment made by [`encode`] (with or without the `#`). Never panics: anything else
/// gives [`ShareError::Invalid`].
pub fn decode<T: DeserializeOwned>(fragment: &str) -> Result<T, ShareError> {
    let f = fragment.trim().trim_start_matches('#');
    let Some(tagged) = f.strip_prefix(KEY) else {
        return Err(invalid(format!("it does not start with `{KEY}`")));
    };
    let Some(data) = tagged.strip_prefix(VERSION) else {
        let version = tagged.split('.').next().unwrap_or_default();
        return Err(invalid(format!(
            "unknown version `{}` (this quantscope reads version 1)",
            version.chars().take(16).collect::<String>()
        )));
    };
    if f.len() > 2 * MAX_FRAGMENT_CHARS {
        return Err(ShareError::TooLarge { chars: f.len(), limit: MAX_FRAGMENT_CHARS, exact: true });
    }
    let compressed = URL_SAFE_NO_PAD.decode(data).map_err(|e| invalid(format!("the data is not base64url ({e}); was the link cut?")))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_JSON_BYTES)
        .map_err(|e| invalid(format!("the data does not decompress ({e:?}); was the link cut?")))?;
    // Read as text, as the page reads its saved form (`serde_json::from_str`): one instantiation of
    // the state's reader in the page's wasm instead of two (one per input type).
    let json = std::str::from_utf8(&json).map_err(|e| invalid(format!("the state is not text ({e})")))?;
    serde_json::from_str(json).map_err(|e| invalid(format!("the state does not read back ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quantscope_core::{Convention, Rounding};

    fn state() -> ShareState {
        let mut options = ToolOptions { range: "-1.5:1.5".into(), tensor_name: "act ✓ \"x\"".into(), ..ToolOptions::default() };
        options.spec.convention = Convention::Pytorch;
        options.spec.rounding = Some(Rounding::Stochastic);
        options.spec.seed = 42;
        options.spec.quant_min = Some(-8);
        ShareState {
            tool: "values".into(),
            options,
            inputs: BTreeMap::from([
                ("values".to_string(), "-1.25, -0.92, 0.14, 0.79, 1.46".to_string()),
                ("channels".to_string(), "filter_0,-1.2,1,0.73\nfilter_1,-0.8,0.9,-0.21".to_string()),
            ]),
        }
    }

    #[test]
    fn round_trip() {
        let s = state();
        let f = encode(&s).unwrap();
        assert!(f.starts_with("share=1."), "{f}");
        assert!(f.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b)), "URL-safe: {f}");
        assert_eq!(decode::<ShareState>(&f).unwrap(), s);
        assert_eq!(decode::<ShareState>(&format!("#{f}")).unwrap(), s);
        assert!(is_share(&format!("#{f}")) && !is_share("#values"));
    }

    #[test]
    fn too_large_states_are_refused_with_their_size() {
        // Values that do not compress well.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let values: Vec<String> = (0..3000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("{:.6}", (x % 2_000_000) as f64 / 1e6 - 1.0)
            })
            .collect();
        let mut s = state();
        s.inputs.insert("values".into(), values.join(", "));
        let e = encode(&s).unwrap_err();
        let ShareError::TooLarge { chars, limit, exact } = e else { panic!("{e:?}") };
        assert!(chars > limit && limit == MAX_FRAGMENT_CHARS && exact);
        let message = e.to_string();
        assert!(message.starts_with("too large for a link: ") && message.ends_with("; use Export instead"), "{message}");

        // A huge state stops compressing early and says "more than".
        let huge: Vec<String> =
            (0..200_000u32).map(|i| format!("{:.6}", f64::from(i.wrapping_mul(2_654_435_761) % 1_000_003) / 1e6)).collect();
        s.inputs.insert("values".into(), huge.join(", "));
        let e = encode(&s).unwrap_err();
        let ShareError::TooLarge { chars, exact, .. } = e else { panic!("{e:?}") };
        assert!(!exact && chars >= fragment_chars(STOP_AFTER_BYTES), "{chars}");
        assert!(e.to_string().starts_with("too large for a link: more than "), "{e}");
    }

    #[test]
    fn bounded_deflate_is_miniz_level_9() {
        let text: Vec<u8> = (0..50_000u32).flat_map(|i| format!("{},", i % 977).into_bytes()).collect();
        for input in [&b""[..], b"a", &text[..]] {
            assert_eq!(deflate_bounded(input, 1 << 20).unwrap(), miniz_oxide::deflate::compress_to_vec(input, 9));
        }
        let whole = miniz_oxide::deflate::compress_to_vec(&text, 9).len();
        assert_eq!(deflate_bounded(&text, whole / 2), Err(whole / 2));
    }

    #[test]
    fn damaged_links_give_clear_errors() {
        let good = encode(&state()).unwrap();
        let cases = [
            ("", "does not start with `share=`"),
            ("#values", "does not start with `share=`"),
            ("share=2.abc", "unknown version `2`"),
            ("share=1.***", "not base64url"),
            ("share=1.AAAA", "does not decompress"),
            (&good[..good.len() / 2], "was the link cut?"),
        ];
        for (fragment, want) in cases {
            let e = decode::<ShareState>(fragment).unwrap_err().to_string();
            assert!(e.starts_with("not a quantscope link: ") && e.contains(want), "{fragment:?}: {e}");
        }
        // Valid deflate of something that is not a state.
        let other = format!("share=1.{}", URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"[1,2]", 9)));
        assert!(decode::<ShareState>(&other).unwrap_err().to_string().contains("does not read back"));
    }

    proptest! {
        #[test]
        fn any_state_round_trips(
            tool in "[a-z]{0,8}",
            name in "\\PC{0,40}",
            range in "\\PC{0,12}",
            text in "\\PC{0,300}",
            seed in any::<u64>(),
            qmin in proptest::option::of(-100i32..0),
        ) {
            let mut options = ToolOptions { tensor_name: name, range, ..ToolOptions::default() };
            options.spec.seed = seed;
            options.spec.quant_min = qmin;
            let s = ShareState { tool, options, inputs: BTreeMap::from([("tensor".to_string(), text)]) };
            let f = encode(&s).unwrap();
            prop_assert_eq!(decode::<ShareState>(&f).unwrap(), s);
        }

        #[test]
        fn garbage_never_panics(fragment in "\\PC{0,200}", tail in "[A-Za-z0-9_-]{0,300}") {
            let _ = decode::<ShareState>(&fragment);
            let _ = decode::<ShareState>(&format!("share=1.{tail}"));
        }
    }
}
