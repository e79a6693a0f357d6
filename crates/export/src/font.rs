//! Text for the PDF's base-14 fonts: Unicode to WinAnsi (Helvetica) or the Symbol font's own
//! encoding, and the advance widths of Adobe's AFM files for Helvetica, Helvetica-Bold and Symbol,
//! so right-aligned columns and plotters' text layout are measured exactly as the reader draws them.
//!
//! Nothing is ever drawn as garbage: a character is shown in Helvetica when WinAnsi has it
//! (`·`, `²`, `×`, `é`, ...), in Symbol for the usual maths (`Σ`, `≤`, `≥`, `≠`, `≈`, `∞`, `√`,
//! Greek letters), a combining circumflex is drawn over its letter (`x̂`), a few others get an ASCII
//! spelling (`−` as `-`), and anything else becomes `?`.

/// The fonts a page uses, by resource name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Font {
    /// Helvetica, WinAnsi encoding.
    Regular,
    /// Helvetica-Bold, WinAnsi encoding.
    Bold,
    /// Symbol, its built-in encoding.
    Symbol,
}

impl Font {
    /// Every font, in resource order.
    pub const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Symbol];

    /// The page resource name.
    pub fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
            Font::Symbol => b"F3",
        }
    }

    /// The base-14 font name.
    pub fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
            Font::Symbol => b"Symbol",
        }
    }

    /// Advance width of a byte in this font, in 1/1000 em.
    pub fn width(self, byte: u8) -> u16 {
        match self {
            Font::Regular => HELVETICA[byte as usize],
            Font::Bold => HELVETICA_BOLD[byte as usize],
            Font::Symbol => SYMBOL.iter().find(|(b, _, _)| *b == byte).map_or(500, |(_, _, w)| *w),
        }
    }
}

/// Ascender of Helvetica (cap height 718, ascender 718), in 1/1000 em.
pub const ASCENT: f32 = 0.718;
/// Descender of Helvetica, in 1/1000 em (positive).
pub const DESCENT: f32 = 0.207;

/// One piece of text in one font: the encoded bytes, plus how far to pull the next piece back
/// (in 1/1000 em, as a `TJ` adjustment) for an accent drawn over the previous letter.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The font.
    pub font: Font,
    /// Encoded bytes.
    pub bytes: Vec<u8>,
    /// `TJ` adjustments: (byte offset, amount in 1/1000 em; positive moves left).
    pub kerns: Vec<(usize, f32)>,
}

impl Run {
    /// Advance width of the run, in 1/1000 em.
    pub fn width(&self) -> f32 {
        let glyphs: f32 = self.bytes.iter().map(|&b| self.font.width(b) as f32).sum();
        glyphs - self.kerns.iter().map(|(_, k)| k).sum::<f32>()
    }
}

/// Encodes `text` for a Helvetica `base` (Regular or Bold) as runs, switching to Symbol for maths.
pub fn encode(text: &str, base: Font) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let push = |font: Font, byte: u8, runs: &mut Vec<Run>| match runs.last_mut() {
        Some(r) if r.font == font => r.bytes.push(byte),
        _ => runs.push(Run { font, bytes: vec![byte], kerns: Vec::new() }),
    };
    for c in text.chars() {
        if c == '\u{302}' {
            // Combining circumflex: a spacing circumflex centred over the previous glyph.
            let Some(last) = runs.last_mut() else { continue };
            let Some(&prev) = last.bytes.last() else { continue };
            let (pw, cw) = (last.font.width(prev) as f32, base.width(0x88) as f32);
            let back = (pw + cw) / 2.0;
            if last.font == base {
                let at = last.bytes.len();
                last.kerns.push((at, back));
                last.bytes.push(0x88);
                last.kerns.push((at + 1, cw - back));
            } else {
                runs.push(Run { font: base, bytes: vec![0x88], kerns: vec![(0, back), (1, cw - back)] });
            }
            continue;
        }
        if c.is_ascii() {
            let b = c as u8;
            push(base, if (0x20..0x7f).contains(&b) { b } else { b' ' }, &mut runs);
        } else if let Some(b) = win_ansi(c) {
            push(base, b, &mut runs);
        } else if let Some((b, _, _)) = SYMBOL.iter().find(|(_, u, _)| *u == c) {
            push(Font::Symbol, *b, &mut runs);
        } else {
            for b in ascii_fallback(c).bytes() {
                push(base, b, &mut runs);
            }
        }
    }
    runs
}

/// Width of `text` at `size` points in a Helvetica `base` font.
pub fn text_width(text: &str, base: Font, size: f32) -> f32 {
    encode(text, base).iter().map(Run::width).sum::<f32>() * size / 1000.0
}

/// An ASCII spelling for characters neither WinAnsi nor Symbol has.
fn ascii_fallback(c: char) -> &'static str {
    match c {
        '\u{2212}' | '\u{2010}' | '\u{2011}' => "-",
        '\u{2009}' | '\u{202f}' | '\u{2002}' | '\u{2003}' => " ",
        '\u{2032}' => "'",
        '\u{2033}' => "\"",
        '\u{2044}' => "/",
        _ => "?",
    }
}

/// WinAnsiEncoding (PDF 1.7, Annex D) for the characters outside ASCII.
fn win_ansi(c: char) -> Option<u8> {
    let u = c as u32;
    if (0xa0..=0xff).contains(&u) {
        return Some(u as u8);
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => return None,
    })
}

/// The Symbol font's glyphs used here: (code in Symbol's encoding, character, width).
const SYMBOL: [(u8, char, u16); 20] = [
    (0x53, 'Σ', 592),
    (0x44, 'Δ', 612),
    (0x61, 'α', 631),
    (0x62, 'β', 549),
    (0x64, 'δ', 494),
    (0x65, 'ε', 439),
    (0x6c, 'λ', 549),
    (0x6d, 'μ', 576),
    (0x70, 'π', 549),
    (0x73, 'σ', 603),
    (0xa3, '≤', 549),
    (0xb3, '≥', 549),
    (0xb9, '≠', 549),
    (0xbb, '≈', 549),
    (0xa5, '∞', 713),
    (0xd6, '√', 549),
    (0xae, '→', 987),
    (0xac, '←', 987),
    (0xce, '∈', 713),
    (0xe5, '∑', 713),
];

/// Helvetica (Adobe AFM, version 002.000) advance widths for WinAnsi codes; 0 for unused codes.
#[rustfmt::skip]
const HELVETICA: [u16; 256] = [
    // 0x00-0x1f: control codes.
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    // 0x20 space ! " # $ % & ' ( ) * + , - . /
    278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,
    // 0x30 0-9 : ; < = > ?
    556,556,556,556,556,556,556,556,556,556,278,278,584,584,584,556,
    // 0x40 @ A-O
    1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,
    // 0x50 P-Z [ \ ] ^ _
    667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,
    // 0x60 ` a-o
    333,556,556,500,556,556,278,556,556,222,222,500,222,833,556,556,
    // 0x70 p-z { | } ~
    556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,0,
    // 0x80 € - ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ - Ž -
    556,0,222,556,333,1000,556,556,333,1000,667,333,1000,0,611,0,
    // 0x90 - ‘ ’ “ ” • – — ˜ ™ š › œ - ž Ÿ
    0,222,222,333,333,350,556,1000,333,1000,500,333,944,0,500,667,
    // 0xa0 nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ soft-hyphen ® ¯
    278,333,556,556,556,556,260,556,333,737,370,556,584,333,737,333,
    // 0xb0 ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,
    // 0xc0 À-Ï
    667,667,667,667,667,667,1000,722,667,667,667,667,278,278,278,278,
    // 0xd0 Ð-ß
    722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
    // 0xe0 à-ï
    556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,
    // 0xf0 ð-ÿ
    556,556,556,556,556,556,556,584,611,556,556,556,556,500,556,500,
];

/// Helvetica-Bold (Adobe AFM, version 002.000) advance widths for WinAnsi codes.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 256] = [
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,
    556,556,556,556,556,556,556,556,556,556,333,333,584,584,584,611,
    975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,
    667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,
    333,556,611,556,611,556,333,611,611,278,278,556,278,889,611,611,
    611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,0,
    556,0,278,556,500,1000,556,556,333,1000,667,333,1000,0,611,0,
    0,278,278,500,500,350,556,1000,333,1000,556,333,944,0,500,667,
    278,333,556,556,556,556,280,556,333,737,370,556,584,333,737,333,
    400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,
    722,722,722,722,722,722,1000,722,667,667,667,667,278,278,278,278,
    722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
    556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,
    611,611,611,611,611,611,611,584,611,611,611,611,611,556,611,556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_helvetica() {
        let runs = encode("scale 0.25", Font::Regular);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, b"scale 0.25");
        // s c a l e space 0 . 2 5
        assert_eq!(runs[0].width(), (500 + 500 + 556 + 222 + 556 + 278 + 556 + 278 + 556 + 556) as f32);
        assert_eq!(text_width("0", Font::Bold, 10.0), 5.56);
    }

    #[test]
    fn win_ansi_characters_stay_in_helvetica() {
        let runs = encode("e² · 3×4 – é", Font::Regular);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, [b'e', 0xb2, b' ', 0xb7, b' ', b'3', 0xd7, b'4', b' ', 0x96, b' ', 0xe9]);
    }

    #[test]
    fn maths_goes_to_symbol() {
        let runs = encode("Σx² ≤ 1", Font::Regular);
        assert_eq!(runs.iter().map(|r| r.font).collect::<Vec<_>>(), [Font::Symbol, Font::Regular, Font::Symbol, Font::Regular]);
        assert_eq!(runs[0].bytes, [0x53]);
        assert_eq!(runs[2].bytes, [0xa3]);
    }

    #[test]
    fn combining_circumflex_is_drawn_over_its_letter() {
        let runs = encode("x̂ = 1", Font::Regular);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, [b'x', 0x88, b' ', b'=', b' ', b'1']);
        // The accent takes no room: the width is that of "x = 1".
        assert!((runs[0].width() - (500.0 + 278.0 + 584.0 + 278.0 + 556.0)).abs() < 1e-3);
    }

    #[test]
    fn the_rest_is_ascii_or_a_question_mark() {
        let runs = encode("a − b ✓\u{1}", Font::Regular);
        assert_eq!(runs[0].bytes, b"a - b ? ");
        for b in 0x20..0x7f {
            assert!(HELVETICA[b] > 0 && HELVETICA_BOLD[b] > 0);
        }
        for c in (0xa0u32..=0xff).filter_map(char::from_u32) {
            assert!(HELVETICA[win_ansi(c).unwrap() as usize] > 0, "{c}");
        }
    }
}
