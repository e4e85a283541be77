//! Syntax colours for one line of YAML in the editor: keys, strings,
//! numbers, booleans and null, comments, list dashes, anchors and tags,
//! and the document markers `---` / `...`. Works line by line (the editor
//! redraws only what is visible), never fails on odd input; under
//! `NO_COLOR` the theme's styles carry no colour, only emphasis.

use ratatui::style::{Modifier, Style};
use ratatui::text::Span;

use crate::app::theme::Theme;

/// What a piece of a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Plain,
    Key,
    Punct,
    Str,
    Number,
    Bool,
    Comment,
    Marker,
}

impl Token {
    pub fn style(self, t: &Theme) -> Style {
        match self {
            Token::Plain => t.base,
            Token::Key => t.yaml_key,
            Token::Punct => t.dim,
            Token::Str => t.yaml_string,
            Token::Number => t.yaml_number,
            Token::Bool => t.yaml_number.add_modifier(Modifier::ITALIC),
            Token::Comment => t.yaml_comment,
            Token::Marker => t.title.add_modifier(Modifier::BOLD),
        }
    }
}

/// Where a comment starts in `s` (a `#` at the start or after a blank,
/// outside quotes).
fn comment_start(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (prev == ' ' || i == 0 || prev == ':') => {
                quote = Some(c)
            }
            None if c == '#' && (i == 0 || prev == ' ' || prev == '\t') => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

/// The end of a mapping key in `s` (the `:` followed by a blank or the end),
/// outside quotes and flow brackets.
fn key_end(s: &str) -> Option<usize> {
    if s.starts_with(['[', '{', '|', '>', '&', '*', '!']) {
        return None;
    }
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && i == 0 => quote = Some(c),
            None if c == ':' => match chars.peek() {
                None => return Some(i),
                Some((_, n)) if *n == ' ' || *n == '\t' => return Some(i),
                _ => {}
            },
            None => {}
        }
    }
    None
}

/// The token of a scalar value.
pub fn scalar(v: &str) -> Token {
    let v = v.trim();
    if v.is_empty() {
        return Token::Plain;
    }
    if v.starts_with('"') || v.starts_with('\'') {
        return Token::Str;
    }
    if matches!(
        v,
        "true" | "false" | "True" | "False" | "TRUE" | "FALSE" | "null" | "Null" | "NULL" | "~"
    ) {
        return Token::Bool;
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty()
        && (v.parse::<f64>().is_ok() || digits.starts_with("0x") || digits.starts_with("0o"))
        && !v.eq_ignore_ascii_case("nan")
        && !v.eq_ignore_ascii_case("inf")
        && !v.eq_ignore_ascii_case("infinity")
    {
        return Token::Number;
    }
    if v.starts_with(['|', '>', '[', '{', '&', '*', '!']) {
        return Token::Plain;
    }
    Token::Str
}

/// The pieces of `line` with their tokens, in order; joined they are the line.
pub fn tokens(line: &str) -> Vec<(Token, &str)> {
    let mut out = Vec::new();
    if line == "---" || line == "..." || line.starts_with("--- ") || line.starts_with("... ") {
        out.push((Token::Marker, &line[..3]));
        if line.len() > 3 {
            push_rest(&mut out, &line[3..]);
        }
        return out;
    }
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    if !indent.is_empty() {
        out.push((Token::Plain, indent));
    }
    let (code, comment) = match comment_start(body) {
        Some(i) => (&body[..i], Some(&body[i..])),
        None => (body, None),
    };
    let mut rest = code;
    // List dashes, possibly several ("- - a").
    while let Some(r) = rest
        .strip_prefix("- ")
        .or_else(|| (rest == "-").then_some(""))
    {
        out.push((Token::Punct, &rest[..rest.len() - r.len()]));
        rest = r;
    }
    if let Some(k) = key_end(rest) {
        out.push((Token::Key, &rest[..k]));
        out.push((Token::Punct, &rest[k..k + 1]));
        rest = &rest[k + 1..];
    }
    if !rest.is_empty() {
        let lead = rest.len() - rest.trim_start().len();
        if lead > 0 {
            out.push((Token::Plain, &rest[..lead]));
        }
        let v = &rest[lead..];
        if !v.is_empty() {
            out.push((scalar(v), v));
        }
    }
    if let Some(c) = comment {
        out.push((Token::Comment, c));
    }
    out
}

fn push_rest<'a>(out: &mut Vec<(Token, &'a str)>, rest: &'a str) {
    match comment_start(rest) {
        Some(i) => {
            out.push((Token::Plain, &rest[..i]));
            out.push((Token::Comment, &rest[i..]));
        }
        None => out.push((Token::Plain, rest)),
    }
}

/// Styled spans of `line`.
pub fn spans(line: &str, t: &Theme) -> Vec<Span<'static>> {
    tokens(line)
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(tok, s)| Span::styled(s.to_string(), tok.style(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(Token, String)> {
        tokens(line)
            .into_iter()
            .filter(|(t, s)| *t != Token::Plain || !s.trim().is_empty())
            .map(|(t, s)| (t, s.trim().to_string()))
            .collect()
    }

    #[test]
    fn colours_each_kind_of_token() {
        assert_eq!(
            kinds("  replicas: 2 # workers"),
            vec![
                (Token::Key, "replicas".into()),
                (Token::Punct, ":".into()),
                (Token::Number, "2".into()),
                (Token::Comment, "# workers".into()),
            ]
        );
        assert_eq!(kinds("suspend: false")[2], (Token::Bool, "false".into()));
        assert_eq!(
            kinds("image: \"a:b # c\"")[2],
            (Token::Str, "\"a:b # c\"".into())
        );
        assert_eq!(kinds("name: pytorch")[2], (Token::Str, "pytorch".into()));
        assert_eq!(kinds("---"), vec![(Token::Marker, "---".into())]);
        assert_eq!(kinds("..."), vec![(Token::Marker, "...".into())]);
        assert_eq!(
            kinds("- - python3"),
            vec![
                (Token::Punct, "-".into()),
                (Token::Punct, "-".into()),
                (Token::Str, "python3".into())
            ]
        );
        assert_eq!(
            kinds("# all comment"),
            vec![(Token::Comment, "# all comment".into())]
        );
        assert_eq!(kinds("url: http://x:80/a")[0], (Token::Key, "url".into()));
        assert_eq!(
            kinds("url: http://x:80/a")[2],
            (Token::Str, "http://x:80/a".into())
        );
    }

    #[test]
    fn pieces_join_to_the_line() {
        for line in [
            "  - name: a # b",
            "--- # doc",
            "é: ü",
            "\"k: v\": 1",
            "-",
            "a:b",
        ] {
            let joined: String = tokens(line).into_iter().map(|(_, s)| s).collect();
            assert_eq!(joined, line);
        }
    }
}
