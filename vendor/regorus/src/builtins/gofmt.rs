// changegate patch: `sprintf` formats as Go's `fmt.Sprintf` does in OPA.
//
// OPA hands `fmt.Sprintf` an `int64` for an integer (a `*big.Int` past 64 bits), a `float64` for
// a number with a fraction, a `string` for a string, and the Rego text of anything else (`true`,
// `null`, `[1, "a"]`). A verb that does not fit its argument prints Go's `%!d(string=200m)`, a
// verb without an argument `%!d(MISSING)`, arguments left over `%!(EXTRA string=b)`: a policy
// message is never silently empty, nor an error, where OPA prints one.

use crate::number::Number;
use crate::*;

use anyhow::Result;

/// An argument as Go's `fmt` sees it.
pub(super) enum Arg {
    Int(i64),
    Big(Number),
    Float(f64),
    Str(String),
}

impl Arg {
    fn type_name(&self) -> &'static str {
        match self {
            Arg::Int(_) => "int64",
            Arg::Big(_) => "big.Int",
            Arg::Float(_) => "float64",
            Arg::Str(_) => "string",
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// Formats `format` with `args` as Go's `fmt.Sprintf`. `limit` is asked before a width or a
/// precision is used (they set the size of the result).
pub(super) fn sprintf(
    format: &str,
    args: &[Arg],
    limit: &dyn Fn(usize) -> Result<()>,
) -> Result<String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut arg_num = 0usize;
    let mut reordered = false;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut f = Flags::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '#' => f.sharp = true,
                '0' => f.zero = !f.minus,
                '+' => f.plus = true,
                '-' => {
                    f.minus = true;
                    f.zero = false;
                }
                ' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good_arg = true;
        // An explicit argument index, `%[2]d`.
        let mut index = |i: &mut usize, arg_num: &mut usize, good: &mut bool| {
            if chars.get(*i) != Some(&'[') {
                return;
            }
            reordered = true;
            let close = chars[*i..].iter().position(|&c| c == ']');
            match close.and_then(|c| {
                let text: String = chars[*i + 1..*i + c].iter().collect();
                text.parse::<usize>().ok().map(|n| (n, c))
            }) {
                Some((n, c)) if n >= 1 && n <= args.len() => {
                    *arg_num = n - 1;
                    *i += c + 1;
                }
                other => {
                    *good = false;
                    *i += other.map_or(1, |(_, c)| c + 1);
                }
            }
        };
        index(&mut i, &mut arg_num, &mut good_arg);
        // Width: digits or `*` (an argument).
        if chars.get(i) == Some(&'*') {
            i += 1;
            match args.get(arg_num) {
                Some(Arg::Int(n)) => {
                    let w = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
                    limit(w)?;
                    f.wid = Some(w);
                    if *n < 0 {
                        f.minus = true;
                        f.zero = false;
                    }
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            arg_num += 1;
        } else {
            let (n, next) = number(&chars, i);
            if let Some(n) = n {
                limit(n)?;
                f.wid = Some(n);
            }
            i = next;
        }
        // Precision.
        if chars.get(i) == Some(&'.') {
            i += 1;
            index(&mut i, &mut arg_num, &mut good_arg);
            if chars.get(i) == Some(&'*') {
                i += 1;
                match args.get(arg_num) {
                    Some(Arg::Int(n)) if *n >= 0 => {
                        let p = usize::try_from(*n).unwrap_or(usize::MAX);
                        limit(p)?;
                        f.prec = Some(p);
                    }
                    _ => out.push_str("%!(BADPREC)"),
                }
                arg_num += 1;
            } else {
                let (n, next) = number(&chars, i);
                let p = n.unwrap_or(0);
                limit(p)?;
                f.prec = Some(p);
                i = next;
            }
        }
        index(&mut i, &mut arg_num, &mut good_arg);
        let Some(&verb) = chars.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        match verb {
            '%' => out.push('%'),
            _ if !good_arg => {
                out.push_str("%!");
                out.push(verb);
                out.push_str("(BADINDEX)");
            }
            _ if arg_num >= args.len() => {
                out.push_str("%!");
                out.push(verb);
                out.push_str("(MISSING)");
            }
            _ => {
                print_arg(&mut out, &args[arg_num], verb, f);
                arg_num += 1;
            }
        }
    }
    if !reordered && arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(a.type_name());
            out.push('=');
            print_arg(&mut out, a, 'v', Flags::default());
        }
        out.push(')');
    }
    Ok(out)
}

/// The decimal number at `i`, and where it ends.
fn number(chars: &[char], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while let Some(d) = chars
        .get(i)
        .and_then(|c| c.is_ascii_digit().then(|| c.to_digit(10)))
    {
        n = n.saturating_mul(10).saturating_add(d.unwrap_or(0) as usize);
        i += 1;
    }
    ((i > start).then_some(n), i)
}

fn bad_verb(out: &mut String, a: &Arg, verb: char) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    out.push_str(a.type_name());
    out.push('=');
    print_arg(out, a, 'v', Flags::default());
    out.push(')');
}

fn print_arg(out: &mut String, a: &Arg, verb: char, f: Flags) {
    match a {
        Arg::Int(n) => match verb {
            'v' | 'd' => integer(out, *n < 0, &n.unsigned_abs().to_string(), 10, verb, f),
            'b' => integer(out, *n < 0, &format!("{:b}", n.unsigned_abs()), 2, verb, f),
            'o' | 'O' => integer(out, *n < 0, &format!("{:o}", n.unsigned_abs()), 8, verb, f),
            'x' => integer(out, *n < 0, &format!("{:x}", n.unsigned_abs()), 16, verb, f),
            'X' => integer(out, *n < 0, &format!("{:X}", n.unsigned_abs()), 16, verb, f),
            'c' => match u32::try_from(*n).ok().and_then(char::from_u32) {
                Some(c) => pad(out, &c.to_string(), f),
                None => pad(out, "\u{FFFD}", f),
            },
            'q' => {
                let c = u32::try_from(*n)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                let mut q = String::from('\'');
                match c {
                    '\'' => q.push_str("\\'"),
                    '"' => q.push('"'),
                    c => {
                        let mut s = String::new();
                        let _ = super::strings::append_go_quoted_public(&mut s, &c.to_string());
                        q.push_str(&s[1..s.len() - 1]);
                    }
                }
                q.push('\'');
                pad(out, &q, f);
            }
            'U' => {
                let mut s = format!("U+{:04X}", n);
                if f.sharp {
                    if let Some(c) = u32::try_from(*n).ok().and_then(char::from_u32) {
                        s.push_str(&format!(" '{c}'"));
                    }
                }
                pad(out, &s, f);
            }
            _ => bad_verb(out, a, verb),
        },
        Arg::Big(n) => {
            let negative = n < &Number::from(0u64);
            let magnitude = if negative {
                Number::from(0u64).sub(n).unwrap_or_else(|_| n.clone())
            } else {
                n.clone()
            };
            match verb {
                'v' | 'd' | 's' => integer(out, negative, &magnitude.format_decimal(), 10, 'd', f),
                'b' => integer(out, negative, &magnitude.format_bin(), 2, verb, f),
                'o' | 'O' => integer(out, negative, &magnitude.format_octal(), 8, verb, f),
                'x' => integer(out, negative, &magnitude.format_hex(), 16, verb, f),
                'X' => integer(out, negative, &magnitude.format_big_hex(), 16, verb, f),
                _ => {
                    out.push_str("%!");
                    out.push(verb);
                    out.push_str("(big.Int=");
                    out.push_str(&n.format_decimal());
                    out.push(')');
                }
            }
        }
        Arg::Float(v) => match verb {
            'v' => float(out, *v, 'g', None, f),
            'e' | 'E' | 'f' | 'F' => float(out, *v, verb, Some(f.prec.unwrap_or(6)), f),
            'g' | 'G' => float(out, *v, verb, f.prec, f),
            'b' => {
                let bits = v.to_bits();
                let mut mant = bits & ((1u64 << 52) - 1);
                let mut exp = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
                if exp == 0 {
                    exp = 1;
                } else {
                    mant |= 1u64 << 52;
                }
                exp -= 1075;
                let sign = if v.is_sign_negative() { "-" } else { "" };
                pad(out, &format!("{sign}{mant}p{exp:+}"), f);
            }
            _ => bad_verb(out, a, verb),
        },
        Arg::Str(s) => match verb {
            'v' | 's' => {
                let s = truncate(s, f.prec);
                pad(out, s, f);
            }
            'q' => {
                let s = truncate(s, f.prec);
                let mut q = String::new();
                if f.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !c.is_control()) {
                    q.push('`');
                    q.push_str(s);
                    q.push('`');
                } else {
                    let _ = super::strings::append_go_quoted_public(&mut q, s);
                }
                pad(out, &q, f);
            }
            'x' | 'X' => {
                let bytes = s.as_bytes();
                let bytes = match f.prec {
                    Some(p) if p < bytes.len() => &bytes[..p],
                    _ => bytes,
                };
                let mut h = String::new();
                for (k, b) in bytes.iter().enumerate() {
                    if f.space && k > 0 {
                        h.push(' ');
                    }
                    if f.sharp && (f.space || k == 0) {
                        h.push_str(if verb == 'x' { "0x" } else { "0X" });
                    }
                    if verb == 'x' {
                        h.push_str(&format!("{b:02x}"));
                    } else {
                        h.push_str(&format!("{b:02X}"));
                    }
                }
                pad(out, &h, f);
            }
            _ => bad_verb(out, a, verb),
        },
    }
}

fn truncate(s: &str, prec: Option<usize>) -> &str {
    match prec {
        Some(p) => s.char_indices().nth(p).map_or(s, |(b, _)| &s[..b]),
        None => s,
    }
}

/// Pads to the width with spaces (or zeros with the `0` flag), on the right with `-`.
fn pad(out: &mut String, s: &str, f: Flags) {
    let n = s.chars().count();
    let fill = f.wid.unwrap_or(0).saturating_sub(n);
    if f.minus {
        out.push_str(s);
        out.extend(core::iter::repeat_n(' ', fill));
    } else {
        out.extend(core::iter::repeat_n(if f.zero { '0' } else { ' ' }, fill));
        out.push_str(s);
    }
}

/// An integer from its digits (of its magnitude) in `base`, as Go's `fmtInteger`.
fn integer(out: &mut String, negative: bool, digits: &str, base: u32, verb: char, f: Flags) {
    let zero_value = digits.chars().all(|c| c == '0');
    let mut prec = 0usize;
    if let Some(p) = f.prec {
        prec = p;
        if p == 0 && zero_value {
            let mut g = f;
            g.zero = false;
            pad(out, "", g);
            return;
        }
    } else if f.zero && !f.minus {
        if let Some(w) = f.wid {
            prec = w;
            if negative || f.plus || f.space {
                prec = prec.saturating_sub(1);
            }
        }
    }
    let mut body = String::new();
    let len = digits.chars().count();
    if prec > len {
        body.extend(core::iter::repeat_n('0', prec - len));
    }
    body.push_str(digits);
    let mut prefix = String::new();
    if f.sharp {
        match base {
            2 => prefix.push_str("0b"),
            8 if !body.starts_with('0') => prefix.push('0'),
            16 => prefix.push_str(if verb == 'X' { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        prefix = "0o".into();
    }
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let mut g = f;
    g.zero = false;
    pad(out, &format!("{sign}{prefix}{body}"), g);
}

/// A float as Go's `strconv.FormatFloat` with `fmt`'s flags: `prec` `None` is the shortest
/// representation.
fn float(out: &mut String, v: f64, verb: char, prec: Option<usize>, f: Flags) {
    let upper = verb.is_ascii_uppercase();
    let mut s = if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        match verb.to_ascii_lowercase() {
            'e' => exponent_form(v, prec.unwrap_or(6), true),
            'f' => format!("{:.*}", prec.unwrap_or(6), v),
            _ => general(v, prec),
        }
    };
    if upper {
        s = s.replace('e', "E");
    }
    if v.is_finite() && !s.starts_with('-') {
        if f.plus {
            s.insert(0, '+');
        } else if f.space {
            s.insert(0, ' ');
        }
    } else if v.is_infinite() && v > 0.0 && !f.plus {
        s.remove(0);
        if f.space {
            s.insert(0, ' ');
        }
    }
    if f.zero && !f.minus && v.is_finite() {
        if let Some(w) = f.wid {
            let n = s.chars().count();
            if w > n {
                let at = usize::from(s.starts_with(['-', '+', ' ']));
                s.insert_str(at, &"0".repeat(w - n));
            }
        }
        out.push_str(&s);
        return;
    }
    let mut g = f;
    g.zero = false;
    pad(out, &s, g);
}

/// `d.ddde±XX` with `prec` digits after the point (Go writes at least two exponent digits);
/// `keep` keeps trailing zeros.
fn exponent_form(v: f64, prec: usize, keep: bool) -> String {
    let s = format!("{:.*e}", prec, v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut mant = mant.to_string();
    if !keep && mant.contains('.') {
        mant = mant.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.unsigned_abs())
}

/// Go's `%g`: the shortest representation (or `prec` significant digits), in exponent form
/// when the exponent is below -4 or at least the precision (6 for the shortest).
fn general(v: f64, prec: Option<usize>) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // The digits and the exponent of the value, rounded to `prec` digits or shortest.
    let sci = match prec {
        Some(p) => format!("{:.*e}", p.max(1) - 1, v),
        None => format!("{v:e}"),
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let negative = mant.starts_with('-');
    let digits: String = mant
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .trim_end_matches('0')
        .to_string();
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    let nd = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let mut eprec = match prec {
        Some(p) => i64::try_from(p.max(1)).unwrap_or(i64::MAX),
        None => 6,
    };
    if prec.is_some() && eprec > nd && nd >= exp + 1 {
        eprec = nd;
    }
    let sign = if negative { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.unsigned_abs());
    }
    // Fixed notation: the point after `exp + 1` digits.
    let point = exp + 1;
    let mut s = String::from(sign);
    if point <= 0 {
        s.push_str("0.");
        s.extend(core::iter::repeat_n(
            '0',
            usize::try_from(-point).unwrap_or(0),
        ));
        s.push_str(&digits);
    } else {
        let point = usize::try_from(point).unwrap_or(0);
        if digits.len() <= point {
            s.push_str(&digits);
            s.extend(core::iter::repeat_n('0', point - digits.len()));
        } else {
            s.push_str(&digits[..point]);
            s.push('.');
            s.push_str(&digits[point..]);
        }
    }
    s
}
