//! Key bindings: the defaults ship as data (`assets/keymap.toml`), the user's
//! config patches single actions per layer, and lookups walk a view's layers in
//! order. The help screen is generated from the same tables.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// The keymap shipped with kftui.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A key with modifiers, comparable and printable (`ctrl-d`, `G`, `pgdn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` subset with a total order, so keys can live in sorted maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Insert,
}

impl Key {
    pub const fn plain(code: KeyCodeOrd) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// Normalises a terminal key event; `None` for keys kftui never binds.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let m = ev.modifiers;
        let code = match ev.code {
            KeyCode::Char(' ') => KeyCodeOrd::Char(' '),
            KeyCode::Char(c) => KeyCodeOrd::Char(if m.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Insert => KeyCodeOrd::Insert,
            _ => return None,
        };
        // Shift is part of the character for printable keys ("G", "?").
        let is_char = matches!(code, KeyCodeOrd::Char(_));
        Some(Key {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT) && !is_char && code != KeyCodeOrd::BackTab,
        })
    }

    /// True for a printable character typed without ctrl or alt.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && !self.ctrl && !self.alt
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    fn from_str(s: &str) -> Result<Key, String> {
        let mut key = Key::plain(KeyCodeOrd::Enter);
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                key.alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                key.shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if key.ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest {
                "enter" => KeyCodeOrd::Enter,
                "esc" => KeyCodeOrd::Esc,
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "backspace" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "pgup" | "pageup" => KeyCodeOrd::PageUp,
                "pgdn" | "pagedown" => KeyCodeOrd::PageDown,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "insert" => KeyCodeOrd::Insert,
                "space" => KeyCodeOrd::Char(' '),
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCodeOrd::F(n),
                    _ => return Err(format!("unknown key {s:?}")),
                },
                _ => return Err(format!("unknown key {s:?}")),
            },
        };
        if key.code == KeyCodeOrd::BackTab {
            key.shift = false;
        }
        if matches!(key.code, KeyCodeOrd::Char(_)) && key.shift {
            // "shift-g" means "G".
            if let KeyCodeOrd::Char(c) = key.code {
                key.code = KeyCodeOrd::Char(c.to_ascii_uppercase());
            }
            key.shift = false;
        }
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Enter => f.write_str("enter"),
            KeyCodeOrd::Esc => f.write_str("esc"),
            KeyCodeOrd::Tab => f.write_str("tab"),
            KeyCodeOrd::BackTab => f.write_str("backtab"),
            KeyCodeOrd::Backspace => f.write_str("backspace"),
            KeyCodeOrd::Delete => f.write_str("delete"),
            KeyCodeOrd::Up => f.write_str("up"),
            KeyCodeOrd::Down => f.write_str("down"),
            KeyCodeOrd::Left => f.write_str("left"),
            KeyCodeOrd::Right => f.write_str("right"),
            KeyCodeOrd::PageUp => f.write_str("pgup"),
            KeyCodeOrd::PageDown => f.write_str("pgdn"),
            KeyCodeOrd::Home => f.write_str("home"),
            KeyCodeOrd::End => f.write_str("end"),
            KeyCodeOrd::Insert => f.write_str("insert"),
        }
    }
}

/// The bindings of one layer, in the order the help screen lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub bindings: Vec<(Action, Vec<Key>)>,
}

impl Layer {
    pub fn action_for(&self, key: &Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(key))
            .map(|(a, _)| *a)
    }

    pub fn keys_for(&self, action: Action) -> Option<&[Key]> {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, k)| k.as_slice())
    }

    fn set(&mut self, action: Action, keys: Vec<Key>) {
        match self.bindings.iter_mut().find(|(a, _)| *a == action) {
            Some(slot) => slot.1 = keys,
            None => self.bindings.push((action, keys)),
        }
    }
}

/// All layers by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub layers: BTreeMap<String, Layer>,
}

/// A keymap entry that could not be used, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("keymap.{layer}.{action}: {problem}")]
pub struct KeymapError {
    pub layer: String,
    pub action: String,
    pub problem: String,
}

/// Raw keymap as written in TOML: layer -> action -> key or keys.
pub type RawKeymap = BTreeMap<String, BTreeMap<String, KeyList>>;

/// `"q"` or `["q", "ctrl-c"]`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    fn keys(&self) -> Vec<&str> {
        match self {
            KeyList::One(k) => vec![k.as_str()],
            KeyList::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

impl Keymap {
    /// The shipped defaults. They are parsed by a test, so this cannot fail at run time.
    pub fn defaults() -> Keymap {
        let raw: RawKeymap = toml::from_str(DEFAULT_KEYMAP).unwrap_or_default();
        let mut km = Keymap {
            layers: BTreeMap::new(),
        };
        let _ = km.apply(&raw);
        km
    }

    /// Patches bindings from a user's `[keymap.*]` tables. Bad entries are
    /// skipped and returned so the caller can report them; the rest apply.
    pub fn apply(&mut self, raw: &RawKeymap) -> Vec<KeymapError> {
        let mut errors = Vec::new();
        for (layer_name, entries) in raw {
            for (action_name, keys) in entries {
                let err = |problem: String| KeymapError {
                    layer: layer_name.clone(),
                    action: action_name.clone(),
                    problem,
                };
                let Some(action) = Action::from_name(action_name) else {
                    errors.push(err("no such action".into()));
                    continue;
                };
                let mut parsed = Vec::new();
                let mut failed = false;
                for k in keys.keys() {
                    match k.parse::<Key>() {
                        Ok(key) => parsed.push(key),
                        Err(e) => {
                            failed = true;
                            errors.push(err(e));
                        }
                    }
                }
                if failed && parsed.is_empty() {
                    // Keep the default rather than silently unbinding the action.
                    continue;
                }
                self.layers
                    .entry(layer_name.clone())
                    .or_default()
                    .set(action, parsed);
            }
        }
        // Help lists actions in their declared order (navigation first).
        for layer in self.layers.values_mut() {
            layer.bindings.sort_by_key(|(a, _)| *a);
        }
        errors
    }

    /// Resolves a key through `layers` in order, then `global`.
    pub fn resolve(&self, layers: &[&str], key: &Key) -> Option<Action> {
        layers
            .iter()
            .copied()
            .chain(std::iter::once("global"))
            .filter_map(|l| self.layers.get(l))
            .find_map(|layer| layer.action_for(key))
    }

    /// The first key bound to `action` in these layers, for footer hints.
    pub fn key_for(&self, layers: &[&str], action: Action) -> Option<Key> {
        layers
            .iter()
            .copied()
            .chain(std::iter::once("global"))
            .filter_map(|l| self.layers.get(l))
            .find_map(|layer| layer.keys_for(action).and_then(|k| k.first().copied()))
    }

    /// Rows for the help screen: (layer, keys, description). Keys that an
    /// earlier layer binds to something else are left out, and an action bound
    /// in several layers gets one row with all its working keys.
    pub fn help_rows(&self, layers: &[&str]) -> Vec<(String, String, &'static str)> {
        let order: Vec<&str> = layers
            .iter()
            .copied()
            .chain(std::iter::once("global"))
            .collect();
        let mut rows: Vec<(String, Action, Vec<Key>)> = Vec::new();
        for name in &order {
            let Some(layer) = self.layers.get(*name) else {
                continue;
            };
            for (action, keys) in &layer.bindings {
                let live = keys
                    .iter()
                    .filter(|k| self.resolve(layers, k) == Some(*action))
                    .copied();
                match rows.iter_mut().find(|(_, a, _)| a == action) {
                    Some(row) => {
                        for k in live {
                            if !row.2.contains(&k) {
                                row.2.push(k);
                            }
                        }
                    }
                    None => rows.push((name.to_string(), *action, live.collect())),
                }
            }
        }
        rows.into_iter()
            .filter(|(_, _, keys)| !keys.is_empty())
            .map(|(layer, action, keys)| {
                let keys = keys
                    .iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" ");
                (layer, keys, action.desc())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().expect(s)
    }

    #[test]
    fn defaults_parse_without_errors() {
        let raw: RawKeymap = toml::from_str(DEFAULT_KEYMAP).expect("default keymap is TOML");
        let mut km = Keymap {
            layers: BTreeMap::new(),
        };
        assert_eq!(km.apply(&raw), vec![]);
        assert_eq!(km, Keymap::defaults());
        assert!(km.layers.contains_key("global"));
    }

    #[test]
    fn key_names_round_trip() {
        for s in [
            "q", "G", "?", "ctrl-d", "alt-x", "pgdn", "f5", "space", "backtab", "shift-up",
        ] {
            assert_eq!(key(s).to_string(), s);
        }
        assert_eq!(key("shift-g"), key("G"));
        assert_eq!(key("ctrl-D"), key("ctrl-d"));
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("f13".parse::<Key>().is_err());
        assert!("hyper".parse::<Key>().is_err());
    }

    #[test]
    fn terminal_events_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some(key("G")));
        let ev = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), Some(key("ctrl-d")));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some(key("backtab")));
    }

    #[test]
    fn layers_resolve_in_order_then_global() {
        let km = Keymap::defaults();
        assert_eq!(km.resolve(&["list"], &key("j")), Some(Action::Down));
        assert_eq!(km.resolve(&["list"], &key("esc")), Some(Action::Back));
        assert_eq!(km.resolve(&["pager"], &key("q")), Some(Action::Back));
        assert_eq!(km.resolve(&["list"], &key("q")), Some(Action::Quit));
        assert_eq!(
            km.resolve(&["logs", "pager"], &key("l")),
            Some(Action::Right)
        );
        assert_eq!(km.resolve(&["list"], &key("l")), Some(Action::Logs));
        assert_eq!(km.resolve(&["list"], &key("x")), None);
    }

    #[test]
    fn user_overrides_patch_single_actions_and_report_errors() {
        let mut km = Keymap::defaults();
        let raw: RawKeymap = toml::from_str(
            r#"
            [notebooks]
            stop_start = "S"
            [list]
            down = ["ctrl-n", "j"]
            nonsense = "x"
            up = "hyperkey"
            "#,
        )
        .expect("toml");
        let errors = km.apply(&raw);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.to_string() == "keymap.list.nonsense: no such action")
        );
        assert_eq!(
            km.resolve(&["notebooks", "list"], &key("S")),
            Some(Action::StopStart)
        );
        assert_eq!(km.resolve(&["notebooks", "list"], &key("s")), None);
        assert_eq!(km.resolve(&["list"], &key("ctrl-n")), Some(Action::Down));
        // The other list bindings are untouched.
        assert_eq!(km.resolve(&["list"], &key("k")), Some(Action::Up));
    }

    #[test]
    fn help_rows_hide_shadowed_bindings() {
        let km = Keymap::defaults();
        let rows = km.help_rows(&["pager"]);
        let quit_rows: Vec<_> = rows.iter().filter(|r| r.2 == Action::Quit.desc()).collect();
        assert_eq!(quit_rows.len(), 1);
        assert_eq!(quit_rows[0].0, "global");
        assert!(
            rows.iter()
                .any(|r| r.1 == "q esc" && r.2 == Action::Back.desc())
        );
    }
}
