//! The AWS shared-file dialect: Python's `configparser.RawConfigParser` as botocore uses it.
//!
//! Hand-written on purpose: rust-ini (and every other INI crate) neither keeps the line and byte
//! span of each value nor reproduces this dialect exactly (strict duplicate detection, `:` as a
//! delimiter, indentation-based continuation lines, blank lines inside values, `[DEFAULT]`
//! inheritance, botocore's one-level nested sub-sections). awsrun needs all of that: to resolve
//! exactly as the CLI does, to point at `file:line` in errors and diagnostics, and to edit one
//! line of `~/.aws/config` while leaving every other byte alone.

use std::collections::HashMap;
use std::ops::Range;

/// Python's `str.isspace()`: Unicode white space plus the ASCII separators 0x1c..0x1f.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// One physical line: its text without the line break, its byte span including the break.
#[derive(Debug, Clone)]
struct Line<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

/// Splits like Python's universal-newlines text mode: `\n`, `\r\n` and a lone `\r` end a line.
fn lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(Line {
                    text: &text[start..i],
                    start,
                    end: i + 1,
                });
                i += 1;
                start = i;
            }
            b'\r' => {
                let brk = if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                out.push(Line {
                    text: &text[start..i],
                    start,
                    end: i + brk,
                });
                i += brk;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(Line {
            text: &text[start..],
            start,
            end: bytes.len(),
        });
    }
    out
}

/// A value as botocore sees it: a string, or (when the raw value starts with a newline) a
/// one-level nested map such as `s3 =` followed by indented `key = value` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Nested(Vec<(String, String)>),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Nested(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// Lower-cased key, as `optionxform` leaves it.
    pub key: String,
    pub value: Value,
    /// 1-based line of the `key = value` line.
    pub line: usize,
    /// Bytes of the key line and its continuation lines, line breaks included.
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// The header text between the brackets, verbatim (case and spaces kept).
    pub name: String,
    pub line: usize,
    /// From the start of the header line to the start of the next header (or end of file).
    pub span: Range<usize>,
    pub entries: Vec<Entry>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// A parsed file. `sections` excludes `[DEFAULT]`, whose entries are in `defaults` and which
/// configparser offers in every section (see [`Ini::options`]).
#[derive(Debug, Clone, Default)]
pub struct Ini {
    pub sections: Vec<Section>,
    pub defaults: Vec<Entry>,
    /// Section name -> index in `sections`: files with thousands of profiles stay linear.
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

const DEFAULT_SECTION: &str = "DEFAULT";

/// A key/value line: the key is everything before the first `=` or `:`.
fn split_option(value: &str) -> Option<(&str, &str)> {
    let at = value.find(['=', ':'])?;
    let key = value[..at].trim_end_matches(py_space);
    let val = py_strip(&value[at + 1..]);
    Some((key, val))
}

/// `[name]` as configparser's permissive `\[(?P<header>.+)\]` matches it: the header runs to
/// the last `]` on the line, and anything after that bracket is ignored.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    if close == 0 {
        return None;
    }
    Some(&rest[..close])
}

fn parse_nested(raw: &str, line: usize) -> Result<Vec<(String, String)>, ParseError> {
    let mut out: Vec<(String, String)> = Vec::new();
    // Python's str.splitlines() also breaks on \v \f \x1c-\x1e \x85 \u2028 \u2029.
    for l in raw.split([
        '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ]) {
        let l = py_strip(l);
        if l.is_empty() {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            return Err(ParseError {
                line,
                reason: format!("nested value line {l:?} has no '='"),
            });
        };
        let k = py_strip(k).to_string();
        let v = py_strip(v).to_string();
        match out.iter_mut().find(|(ek, _)| *ek == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    Ok(out)
}

struct Building {
    key: String,
    parts: Vec<String>,
    line: usize,
    start: usize,
    end: usize,
}

impl Ini {
    /// Parses `text` exactly as botocore would, or says which line makes it unparseable.
    pub fn parse(text: &str) -> Result<Ini, ParseError> {
        let mut ini = Ini::default();
        // Index into ini.sections of the current section; usize::MAX means [DEFAULT].
        let mut cur: Option<usize> = None;
        let mut building: Option<Building> = None;
        let mut indent_level = 0usize;
        let mut first_error: Option<ParseError> = None;

        fn finish(
            ini: &mut Ini,
            cur: Option<usize>,
            b: Option<Building>,
            nested_err: &mut Option<ParseError>,
        ) {
            let Some(b) = b else { return };
            let joined = b.parts.join("\n");
            let joined = joined.trim_end_matches(py_space).to_string();
            let value = if joined.starts_with('\n') {
                match parse_nested(&joined, b.line) {
                    Ok(n) => Value::Nested(n),
                    Err(e) => {
                        nested_err.get_or_insert(e);
                        Value::Text(joined)
                    }
                }
            } else {
                Value::Text(joined)
            };
            let entry = Entry {
                key: b.key,
                value,
                line: b.line,
                span: b.start..b.end,
            };
            match cur {
                Some(usize::MAX) => ini.defaults.push(entry),
                Some(i) => ini.sections[i].entries.push(entry),
                None => {}
            }
        }

        let mut nested_err: Option<ParseError> = None;
        let all = lines(text);
        for (idx, line) in all.iter().enumerate() {
            let lineno = idx + 1;
            if lineno == 1 && line.text.starts_with('\u{feff}') {
                return Err(ParseError {
                    line: 1,
                    reason: "the file starts with a UTF-8 byte order mark; save it without one"
                        .into(),
                });
            }
            let stripped = py_strip(line.text);
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            if is_comment || stripped.is_empty() {
                // Blank (not comment) lines become part of a value being built; trailing ones
                // are trimmed when it is finished.
                if let Some(b) = building.as_mut() {
                    if !is_comment {
                        b.parts.push(String::new());
                    }
                }
                continue;
            }
            let cur_indent = line.text.chars().take_while(|c| py_space(*c)).count();
            if let (Some(b), true) = (building.as_mut(), cur.is_some()) {
                if cur_indent > indent_level {
                    b.parts.push(stripped.to_string());
                    b.end = line.end;
                    continue;
                }
            }
            indent_level = cur_indent;
            if let Some(name) = section_header(stripped) {
                finish(&mut ini, cur, building.take(), &mut nested_err);
                if let Some(prev) = cur.and_then(|c| ini.sections.get_mut(c)) {
                    prev.span.end = line.start;
                }
                if name == DEFAULT_SECTION {
                    cur = Some(usize::MAX);
                } else if ini.index.contains_key(name) {
                    return Err(ParseError {
                        line: lineno,
                        reason: format!("section [{name}] appears twice"),
                    });
                } else {
                    ini.index.insert(name.to_string(), ini.sections.len());
                    ini.sections.push(Section {
                        name: name.to_string(),
                        line: lineno,
                        span: line.start..text.len(),
                        entries: Vec::new(),
                    });
                    cur = Some(ini.sections.len() - 1);
                }
                continue;
            }
            if cur.is_none() {
                return Err(ParseError {
                    line: lineno,
                    reason: format!("{stripped:?} comes before any [section] header"),
                });
            }
            finish(&mut ini, cur, building.take(), &mut nested_err);
            match split_option(stripped) {
                Some((key, val)) => {
                    if key.is_empty() {
                        first_error.get_or_insert(ParseError {
                            line: lineno,
                            reason: "the line has no key before '=' or ':'".into(),
                        });
                    }
                    let key = key.to_lowercase();
                    let existing = match cur {
                        Some(usize::MAX) => ini.defaults.iter().any(|e| e.key == key),
                        Some(i) => ini.sections[i].entries.iter().any(|e| e.key == key),
                        None => false,
                    };
                    if existing {
                        let sect = match cur {
                            Some(usize::MAX) => DEFAULT_SECTION.to_string(),
                            Some(i) => ini.sections[i].name.clone(),
                            None => String::new(),
                        };
                        return Err(ParseError {
                            line: lineno,
                            reason: format!("key {key:?} appears twice in section [{sect}]"),
                        });
                    }
                    building = Some(Building {
                        key,
                        parts: vec![val.to_string()],
                        line: lineno,
                        start: line.start,
                        end: line.end,
                    });
                }
                None => {
                    first_error.get_or_insert(ParseError {
                        line: lineno,
                        reason: format!(
                            "{stripped:?} is neither a [section] nor a key = value line"
                        ),
                    });
                }
            }
        }
        finish(&mut ini, cur, building.take(), &mut nested_err);
        if let Some(e) = first_error.or(nested_err) {
            return Err(e);
        }
        Ok(ini)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.index.get(name).map(|i| &self.sections[*i])
    }

    /// The options of a section as configparser offers them: its own, then `[DEFAULT]`'s.
    pub fn options<'a>(&'a self, section: &'a Section) -> impl Iterator<Item = &'a Entry> + 'a {
        section.entries.iter().chain(
            self.defaults
                .iter()
                .filter(move |d| section.get(&d.key).is_none()),
        )
    }
}

/// The line break a file uses (the first one found), so inserted lines match their neighbours.
fn newline_of(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text[i..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

/// Sets `key = value` in section `[section]`, changing as few bytes as possible: an existing
/// key has its value replaced in place (its spacing around the delimiter and its line break
/// kept); a new key goes right after the section's last entry; a missing section is appended.
/// Everything else in `text` is returned byte for byte.
pub fn set_value(text: &str, section: &str, key: &str, value: &str) -> Result<String, ParseError> {
    let ini = Ini::parse(text)?;
    let nl = newline_of(text);
    let key_lc = key.to_lowercase();
    let Some(sect) = ini.section(section) else {
        let mut out =
            String::with_capacity(text.len() + section.len() + key.len() + value.len() + 8);
        out.push_str(text);
        if !text.is_empty() && !text.ends_with(['\n', '\r']) {
            out.push_str(nl);
        }
        out.push_str(&format!("[{section}]{nl}{key} = {value}{nl}"));
        return Ok(out);
    };
    if let Some(entry) = sect.get(&key_lc) {
        let first = &lines(&text[entry.span.clone()])[0];
        let line_text = first.text;
        let delim = line_text
            .find(['=', ':'])
            .expect("a parsed entry has a delimiter");
        let after = &line_text[delim + 1..];
        let pad = &after[..after.len() - after.trim_start_matches([' ', '\t']).len()];
        // Keep the user's spacing: `k=v` stays tight, `k =` (empty) gets the space back.
        let pad = if pad.is_empty() && line_text[..delim].ends_with([' ', '\t']) {
            " "
        } else {
            pad
        };
        let brk =
            &text[entry.span.start + first.text.len()..entry.span.start + first.end - first.start];
        // A value spread over continuation lines is replaced whole.
        let brk = if entry.span.end > entry.span.start + first.end - first.start {
            let tail = &text[..entry.span.end];
            if tail.ends_with("\r\n") {
                "\r\n"
            } else if tail.ends_with(['\n', '\r']) {
                &tail[tail.len() - 1..]
            } else {
                ""
            }
        } else {
            brk
        };
        let mut out = String::with_capacity(text.len() + value.len());
        out.push_str(&text[..entry.span.start]);
        out.push_str(&line_text[..=delim]);
        out.push_str(pad);
        out.push_str(value);
        out.push_str(brk);
        out.push_str(&text[entry.span.end..]);
        return Ok(out);
    }
    let at = match sect.entries.last() {
        Some(e) => e.span.end,
        None => {
            let hl = lines(&text[sect.span.start..]);
            sect.span.start + hl[0].end - hl[0].start
        }
    };
    let mut out = String::with_capacity(text.len() + key.len() + value.len() + 8);
    out.push_str(&text[..at]);
    if at > 0 && !text[..at].ends_with(['\n', '\r']) {
        out.push_str(nl);
    }
    out.push_str(&format!("{key} = {value}{nl}"));
    let mut rest = &text[at..];
    {
        // What follows the insertion point can be an indented header (` [profile x]`): after
        // the header, or after an entry indented as deeply, it is a header; after our new
        // unindented key it would become a continuation of its value. Un-indent that one line
        // so that it keeps its meaning (found by fuzzing).
        let significant = lines(rest).into_iter().find(|l| {
            let t = py_strip(l.text);
            !t.is_empty() && !t.starts_with(['#', ';'])
        });
        if let Some(l) = significant.filter(|l| l.text.starts_with(py_space)) {
            let indent = l.text.len() - l.text.trim_start_matches(py_space).len();
            out.push_str(&rest[..l.start]);
            rest = &rest[l.start + indent..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ini: &Ini, sect: &str, key: &str) -> String {
        ini.section(sect)
            .unwrap()
            .get(key)
            .unwrap()
            .value
            .as_text()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_new_key_does_not_swallow_an_indented_header() {
        // (Python counts any Unicode white space as indentation, a no-break space too.)
        let out = set_value("[default]\n\u{a0}[t]\n", "default", "k", "v").unwrap();
        assert_eq!(out, "[default]\nk = v\n[t]\n");
        let out = set_value("[default]\n  a = 1\n  [t]\n", "default", "k", "v").unwrap();
        assert_eq!(out, "[default]\n  a = 1\nk = v\n[t]\n");
        let text = "[default]\n\n  [profile dev]\nregion = x\n";
        let out = set_value(text, "default", "login_session", "s").unwrap();
        assert_eq!(
            out,
            "[default]\nlogin_session = s\n\n[profile dev]\nregion = x\n"
        );
        let ini = Ini::parse(&out).unwrap();
        assert_eq!(super::tests::text(&ini, "default", "login_session"), "s");
        assert_eq!(super::tests::text(&ini, "profile dev", "region"), "x");
    }

    #[test]
    fn values_keep_inline_comments_and_quotes() {
        let ini = Ini::parse("[default]\nregion = us-east-1 # x\nname: \"q\"\nempty =\n").unwrap();
        assert_eq!(text(&ini, "default", "region"), "us-east-1 # x");
        assert_eq!(text(&ini, "default", "name"), "\"q\"");
        assert_eq!(text(&ini, "default", "empty"), "");
    }

    #[test]
    fn keys_are_lowercased_sections_are_not() {
        let ini = Ini::parse("[Dev]\nRegion = x\n").unwrap();
        assert!(ini.section("dev").is_none());
        assert_eq!(text(&ini, "Dev", "region"), "x");
    }

    #[test]
    fn continuation_and_blank_lines_join() {
        let ini = Ini::parse("[a]\nk = one\n  two\n\n  three\n\n# c\nn = 1\n").unwrap();
        assert_eq!(text(&ini, "a", "k"), "one\ntwo\n\nthree");
        assert_eq!(ini.section("a").unwrap().get("n").unwrap().line, 8);
    }

    #[test]
    fn nested_sub_section() {
        let ini = Ini::parse(
            "[p]\ns3 =\n  max_concurrent_requests = 10\n  addressing_style=path\nregion=x\n",
        )
        .unwrap();
        let v = &ini.section("p").unwrap().get("s3").unwrap().value;
        assert_eq!(
            v,
            &Value::Nested(vec![
                ("max_concurrent_requests".into(), "10".into()),
                ("addressing_style".into(), "path".into())
            ])
        );
        assert!(Ini::parse("[p]\ns3 =\n  nodelim\n").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(Ini::parse("[a]\nk=1\n[a]\n").unwrap_err().line, 3);
        assert_eq!(Ini::parse("[a]\nk=1\nK:2\n").unwrap_err().line, 3);
        assert_eq!(Ini::parse("k=1\n").unwrap_err().line, 1);
        assert_eq!(Ini::parse("[a]\nfoo\n").unwrap_err().line, 2);
        assert_eq!(Ini::parse("[a]\n= v\n").unwrap_err().line, 2);
        assert_eq!(Ini::parse("\u{feff}[a]\n").unwrap_err().line, 1);
    }

    #[test]
    fn header_runs_to_last_bracket() {
        let ini = Ini::parse("[profile a] ; trailing\nk=1\n[x]y]\n").unwrap();
        assert!(ini.section("profile a").is_some());
        assert!(ini.section("x]y").is_some());
    }

    #[test]
    fn default_section_is_inherited() {
        let ini = Ini::parse("[DEFAULT]\nregion = r\n[a]\nk = 1\n").unwrap();
        let a = ini.section("a").unwrap();
        let keys: Vec<_> = ini.options(a).map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["k", "region"]);
    }

    #[test]
    fn cr_only_and_crlf_lines() {
        let ini = Ini::parse("[a]\r\nk = 1\r\n[b]\rj = 2\r").unwrap();
        assert_eq!(text(&ini, "a", "k"), "1");
        assert_eq!(text(&ini, "b", "j"), "2");
        assert_eq!(ini.section("b").unwrap().get("j").unwrap().line, 4);
    }

    #[test]
    fn set_replaces_in_place() {
        let src =
            "# top\r\n[profile dev]\r\nregion=us-east-1\r\nlogin_session =  old\r\n\r\n[x]\r\n";
        let out = set_value(src, "profile dev", "login_session", "new").unwrap();
        assert_eq!(
            out,
            "# top\r\n[profile dev]\r\nregion=us-east-1\r\nlogin_session =  new\r\n\r\n[x]\r\n"
        );
    }

    #[test]
    fn set_appends_key_after_last_entry() {
        let src = "[profile dev]\nregion = r\n\n; keep\n[x]\n";
        let out = set_value(src, "profile dev", "login_session", "arn").unwrap();
        assert_eq!(
            out,
            "[profile dev]\nregion = r\nlogin_session = arn\n\n; keep\n[x]\n"
        );
        let out = set_value("[a]", "a", "k", "v").unwrap();
        assert_eq!(out, "[a]\nk = v\n");
    }

    #[test]
    fn set_appends_section() {
        assert_eq!(
            set_value("", "default", "k", "v").unwrap(),
            "[default]\nk = v\n"
        );
        assert_eq!(
            set_value("[a]\r\nx=1", "b", "k", "v").unwrap(),
            "[a]\r\nx=1\r\n[b]\r\nk = v\r\n"
        );
    }

    #[test]
    fn set_replaces_continued_value_whole() {
        let src = "[a]\nk = 1\n  2\nz = 3\n";
        assert_eq!(
            set_value(src, "a", "k", "v").unwrap(),
            "[a]\nk = v\nz = 3\n"
        );
    }

    #[test]
    fn set_keeps_the_spacing_around_the_delimiter() {
        // Was: `k=old` became `k= new`, changing the user's style on the edited line.
        assert_eq!(
            set_value("[a]\nk=old\n", "a", "k", "new").unwrap(),
            "[a]\nk=new\n"
        );
        assert_eq!(
            set_value("[a]\nk:old\n", "a", "k", "new").unwrap(),
            "[a]\nk:new\n"
        );
        assert_eq!(
            set_value("[a]\nk =\n", "a", "k", "new").unwrap(),
            "[a]\nk = new\n"
        );
        assert_eq!(
            set_value("[a]\nk =  old\n", "a", "k", "new").unwrap(),
            "[a]\nk =  new\n"
        );
    }
}
