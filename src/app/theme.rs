//! Colours and text styles for every view, in a dark and a light variant. With
//! `NO_COLOR` set every style keeps its modifiers (bold, reverse) and drops colour.

use ratatui::style::{Color, Modifier, Style};

use super::config::ThemeName;

/// Styles by role, so views never pick colours themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub header_key: Style,
    pub header_value: Style,
    pub table_header: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub info: Style,
    pub hint_key: Style,
    pub border: Style,
    pub border_focus: Style,
    pub matched: Style,
    pub matched_current: Style,
    pub yaml_key: Style,
    pub yaml_string: Style,
    pub yaml_number: Style,
    pub yaml_comment: Style,
    pub bar: Style,
    pub no_color: bool,
    /// Draw with ASCII instead of Unicode symbols (a locale without UTF-8).
    pub ascii: bool,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        let t = match name {
            ThemeName::Dark => Theme::dark(),
            ThemeName::Light => Theme::light(),
        };
        if no_color { t.without_color() } else { t }
    }

    /// True when the locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`) does
    /// not say UTF-8: symbols are then drawn in ASCII.
    pub fn ascii_from_env() -> bool {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_lowercase();
        !(locale.contains("utf-8") || locale.contains("utf8"))
    }

    /// Reads `NO_COLOR` the way <https://no-color.org> asks: set and non-empty.
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn dark() -> Theme {
        let fg = Style::new().fg(Color::Gray);
        Theme {
            base: fg,
            dim: Style::new().fg(Color::DarkGray),
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header_key: Style::new().fg(Color::DarkGray),
            header_value: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            table_header: Style::new()
                .fg(Color::White)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            info: Style::new().fg(Color::Cyan),
            hint_key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            border_focus: Style::new().fg(Color::Cyan),
            matched: Style::new().fg(Color::Black).bg(Color::Yellow),
            matched_current: Style::new()
                .fg(Color::Black)
                .bg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            yaml_key: Style::new().fg(Color::LightBlue),
            yaml_string: Style::new().fg(Color::Green),
            yaml_number: Style::new().fg(Color::Magenta),
            yaml_comment: Style::new().fg(Color::DarkGray),
            bar: Style::new().fg(Color::Cyan),
            no_color: false,
            ascii: false,
        }
    }

    fn light() -> Theme {
        Theme {
            base: Style::new().fg(Color::Black),
            dim: Style::new().fg(Color::DarkGray),
            title: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            header_key: Style::new().fg(Color::DarkGray),
            header_value: Style::new().fg(Color::Black).add_modifier(Modifier::BOLD),
            table_header: Style::new()
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: Style::new()
                .fg(Color::White)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Rgb(160, 100, 0)),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            info: Style::new().fg(Color::Blue),
            hint_key: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::Gray),
            border_focus: Style::new().fg(Color::Blue),
            matched: Style::new().fg(Color::Black).bg(Color::LightYellow),
            matched_current: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            yaml_key: Style::new().fg(Color::Blue),
            yaml_string: Style::new().fg(Color::Green),
            yaml_number: Style::new().fg(Color::Magenta),
            yaml_comment: Style::new().fg(Color::Gray),
            bar: Style::new().fg(Color::Blue),
            no_color: false,
            ascii: false,
        }
    }

    /// The same roles told apart by modifiers only.
    fn without_color(self) -> Theme {
        let strip = |s: Style| Style {
            fg: None,
            bg: None,
            underline_color: None,
            ..s
        };
        Theme {
            base: strip(self.base),
            dim: strip(self.dim),
            title: strip(self.title),
            header_key: strip(self.header_key),
            header_value: strip(self.header_value),
            table_header: strip(self.table_header),
            selected: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ok: strip(self.ok),
            warn: Style::new().add_modifier(Modifier::BOLD),
            error: Style::new().add_modifier(Modifier::BOLD),
            info: strip(self.info),
            hint_key: Style::new().add_modifier(Modifier::BOLD),
            border: strip(self.border),
            border_focus: Style::new().add_modifier(Modifier::BOLD),
            matched: Style::new().add_modifier(Modifier::REVERSED),
            matched_current: Style::new()
                .add_modifier(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED),
            yaml_key: Style::new().add_modifier(Modifier::BOLD),
            yaml_string: strip(self.yaml_string),
            yaml_number: strip(self.yaml_number),
            yaml_comment: Style::new().add_modifier(Modifier::DIM),
            bar: strip(self.bar),
            no_color: true,
            ascii: self.ascii,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_theme_has_no_colours() {
        let t = Theme::new(ThemeName::Dark, true);
        for s in [
            t.base,
            t.selected,
            t.error,
            t.warn,
            t.ok,
            t.matched,
            t.yaml_key,
            t.table_header,
        ] {
            assert_eq!((s.fg, s.bg), (None, None));
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        assert_ne!(
            Theme::new(ThemeName::Dark, false),
            Theme::new(ThemeName::Light, false)
        );
    }
}
