//! The `:` command language: parsing a line into a command, and completing a
//! partial line from the names kftui knows (screens, namespaces, contexts).

/// A parsed `:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    /// `:ns` alone opens the picker; `:ns NAME` switches; `:ns -A` shows all.
    Namespace(Option<NsArg>),
    /// `:ctx` alone lists contexts; `:ctx NAME` switches.
    Context(Option<String>),
    /// Open a screen by one of its names, with an optional argument.
    Open {
        screen: String,
        arg: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsArg {
    All,
    Name(String),
}

/// Why a line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown command {0:?} (press tab to complete, ? for help)")]
    Unknown(String),
    #[error("{0:?} is not a valid namespace name")]
    BadNamespace(String),
    #[error(":{0} takes at most one argument")]
    TooMany(String),
}

/// Parses a command line (without the leading `:`). `is_screen` says whether
/// a word names a screen.
pub fn parse(line: &str, is_screen: impl Fn(&str) -> bool) -> Result<Command, CommandError> {
    let mut words = line.split_whitespace();
    let Some(head) = words.next() else {
        return Err(CommandError::Unknown(String::new()));
    };
    let arg = words.next().map(str::to_string);
    if words.next().is_some() {
        return Err(CommandError::TooMany(head.to_string()));
    }
    match head {
        "q" | "q!" | "quit" | "exit" => Ok(Command::Quit),
        "help" | "h" => Ok(Command::Help),
        "ns" | "namespace" => match arg.as_deref() {
            None => Ok(Command::Namespace(None)),
            Some("-A" | "all" | "*") => Ok(Command::Namespace(Some(NsArg::All))),
            Some(name) if is_dns_label(name) => {
                Ok(Command::Namespace(Some(NsArg::Name(name.to_string()))))
            }
            Some(name) => Err(CommandError::BadNamespace(name.to_string())),
        },
        "ctx" | "context" => Ok(Command::Context(arg)),
        other if is_screen(other) => Ok(Command::Open {
            screen: other.to_string(),
            arg,
        }),
        other => Err(CommandError::Unknown(other.to_string())),
    }
}

/// RFC 1123 label: lowercase alphanumerics and '-', 1..=63, alphanumeric ends.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Words completion can offer.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub screens: Vec<String>,
    pub namespaces: Vec<String>,
    pub contexts: Vec<String>,
}

/// Full-line completions for `line`, best first, without duplicates.
pub fn complete(line: &str, vocab: &Vocabulary) -> Vec<String> {
    let (head, rest) = match line.split_once(' ') {
        Some((h, r)) => (h, Some(r.trim_start())),
        None => (line, None),
    };
    let pick = |words: &[String], prefix: &str, lead: &str| -> Vec<String> {
        let mut out: Vec<String> = words
            .iter()
            .filter(|w| w.starts_with(prefix) && w.as_str() != prefix)
            .map(|w| format!("{lead}{w}"))
            .collect();
        out.dedup();
        out
    };
    match rest {
        None => {
            let mut words: Vec<String> = ["ns", "ctx", "q", "help"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            words.extend(vocab.screens.iter().cloned());
            let mut seen = std::collections::HashSet::new();
            words.retain(|w| seen.insert(w.clone()));
            words.sort_by_key(|w| (w.len(), w.clone()));
            pick(&words, head, "")
        }
        Some(arg) => match head {
            "ns" | "namespace" => {
                let mut names = vocab.namespaces.clone();
                names.push("-A".into());
                pick(&names, arg, &format!("{head} "))
            }
            "ctx" | "context" => pick(&vocab.contexts, arg, &format!("{head} ")),
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screens(s: &str) -> bool {
        ["nb", "notebooks", "pods", "runs", "onnx"].contains(&s)
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse("q", screens), Ok(Command::Quit));
        assert_eq!(parse("  ns  ", screens), Ok(Command::Namespace(None)));
        assert_eq!(
            parse("ns ml-research", screens),
            Ok(Command::Namespace(Some(NsArg::Name("ml-research".into()))))
        );
        assert_eq!(
            parse("ns -A", screens),
            Ok(Command::Namespace(Some(NsArg::All)))
        );
        assert_eq!(
            parse("ns Bad_Name", screens),
            Err(CommandError::BadNamespace("Bad_Name".into()))
        );
        assert_eq!(
            parse("ctx prod", screens),
            Ok(Command::Context(Some("prod".into())))
        );
        assert_eq!(
            parse("onnx /tmp/m.onnx", screens),
            Ok(Command::Open {
                screen: "onnx".into(),
                arg: Some("/tmp/m.onnx".into())
            })
        );
        assert_eq!(
            parse("nope", screens),
            Err(CommandError::Unknown("nope".into()))
        );
        assert_eq!(
            parse("ns a b", screens),
            Err(CommandError::TooMany("ns".into()))
        );
        assert!(parse("", screens).is_err());
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("a-1"));
        for bad in ["", "-a", "a-", "A", "a_b", &"x".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn completes_screens_namespaces_and_contexts() {
        let vocab = Vocabulary {
            screens: vec![
                "notebooks".into(),
                "nb".into(),
                "nodes".into(),
                "pods".into(),
            ],
            namespaces: vec!["ml-research".into(), "mlops".into(), "default".into()],
            contexts: vec!["prod".into(), "kftui-demo".into()],
        };
        assert_eq!(
            complete("n", &vocab),
            vec!["nb", "ns", "nodes", "notebooks"]
        );
        assert_eq!(complete("no", &vocab), vec!["nodes", "notebooks"]);
        assert_eq!(
            complete("ns ml", &vocab),
            vec!["ns ml-research", "ns mlops"]
        );
        assert_eq!(complete("ns -", &vocab), vec!["ns -A"]);
        assert_eq!(complete("ctx k", &vocab), vec!["ctx kftui-demo"]);
        assert!(complete("pods x", &vocab).is_empty());
        assert!(
            complete("notebooks", &vocab).is_empty(),
            "a complete word offers nothing"
        );
    }
}
